#include "docs/svg_chart.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdint>

namespace pasaprod::docs {
namespace {

constexpr const char* kPalette[] = {"#1f4e79", "#c0392b", "#2e8b57", "#d68910", "#6c3483",
                                    "#5d6d7e"};
constexpr double kFont = 11;  // font-size of labels, user units

// Locale-independent decimal with at most `decimals` decimals, trailing zeros trimmed.
std::string num(double v, int decimals = 2) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "0";
  std::string s(buf, end);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

// Number of code points in valid UTF-8 text.
std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// At most `max` code points of `s`, with "…" when cut.
std::string shorten(const std::string& s, std::size_t max) {
  if (char_count(s) <= max) return s;
  std::size_t seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == max - 1) break;
  }
  return s.substr(0, i) + "…";
}

Error invalid(std::string id, std::string es, std::string en) {
  return make_error(Code::invalid_argument, std::move(id), std::move(es), std::move(en));
}

Status validate(const Chart& c) {
  if (c.categories.empty() || c.series.empty()) {
    return invalid("chart.empty", "El gráfico necesita al menos una categoría y una serie.",
                   "The chart needs at least one category and one series.");
  }
  if (c.width < 200 || c.height < 150) {
    return invalid("chart.size", "El gráfico debe medir al menos 200×150.",
                   "The chart must be at least 200×150.");
  }
  for (const ChartSeries& s : c.series) {
    if (s.values.size() != c.categories.size()) {
      return invalid("chart.series_length", "Una serie no tiene un valor por categoría.",
                     "A series does not have one value per category.")
          .with("series", s.name);
    }
    for (double v : s.values) {
      if (v < 0) {
        return invalid("chart.negative", "El gráfico no admite valores negativos.",
                       "The chart does not take negative values.")
            .with("series", s.name);
      }
    }
  }
  return ok_status();
}

// A "nice" tick step (1, 2, 2.5 or 5 × 10^k) so that about 5 steps cover `max`.
double tick_step(double max) {
  if (!(max > 0)) return 0.2;  // all zero (or no data): axis 0..1
  const double raw = max / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double f : {1.0, 2.0, 2.5, 5.0}) {
    if (raw <= f * magnitude * (1 + 1e-9)) return f * magnitude;
  }
  return 10 * magnitude;
}

// Plot geometry shared by both chart kinds.
struct Frame {
  double left, top, right, bottom;  // plot area
  double y_max, step;
  double slot;  // width of one category
  bool rotate_labels;
  double y(double v) const { return bottom - (bottom - top) * v / y_max; }
  double x_center(std::size_t i) const { return left + slot * (static_cast<double>(i) + 0.5); }
};

Frame make_frame(const Chart& c) {
  double max = 0;
  for (const ChartSeries& s : c.series) {
    for (double v : s.values) {
      if (std::isfinite(v)) max = std::max(max, v);
    }
  }
  Frame f{};
  f.step = tick_step(max);
  f.y_max = max > 0 ? std::max(f.step, std::ceil(max / f.step - 1e-9) * f.step) : 1.0;
  std::size_t label_chars = 0;
  for (const std::string& cat : c.categories) label_chars = std::max(label_chars, char_count(shorten(cat, 18)));
  const std::string top_label =
      num(f.y_max, std::clamp(static_cast<int>(std::ceil(-std::log10(f.step))) + 1, 0, 9));
  f.left = 14 + kFont * 0.62 * static_cast<double>(top_label.size()) + (c.y_label.empty() ? 0 : 18);
  f.right = c.width - 16.0;
  f.top = 36 + (c.series.size() > 1 ? 20 : 0);
  f.slot = (f.right - f.left) / static_cast<double>(c.categories.size());
  const double label_w = kFont * 0.6 * static_cast<double>(label_chars);
  f.rotate_labels = label_w > f.slot - 4;
  if (f.rotate_labels) {
    // Labels rotated by -35° reach cos(35°)·width left of their slot's centre: make room.
    const double overhang = label_w * 0.82 - f.slot / 2 + 4;
    if (overhang > f.left) {
      f.left = overhang;
      f.slot = (f.right - f.left) / static_cast<double>(c.categories.size());
    }
  }
  const double label_h = f.rotate_labels ? label_w * 0.58 + 14 : 18;
  f.bottom = c.height - 8 - label_h - (c.x_label.empty() ? 0 : 18);
  return f;
}

std::string clean_id(const std::string& id) {
  std::string out;
  for (char ch : id) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') out.push_back(ch);
  }
  return out.empty() ? "chart" : out;
}

// Everything but the data: <svg>, title/desc, grid, axes, labels, legend. Leaves <svg> open.
std::string open_chart(const Chart& c, const Frame& f, const char* kind) {
  const std::string id = clean_id(c.id);
  const std::string w = std::to_string(c.width), h = std::to_string(c.height);
  std::string o;
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " + h + "\" width=\"" +
       w + "\" height=\"" + h + "\" role=\"img\" aria-labelledby=\"" + id + "-title " + id +
       "-desc\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" font-size=\"" + num(kFont) +
       "\">\n";
  o += "<title id=\"" + id + "-title\">" + xml_escape(c.title) + "</title>\n";
  std::string desc = std::string(kind) + ". ";
  for (std::size_t s = 0; s < c.series.size(); ++s) {
    desc += (s ? "; " : "") + c.series[s].name + ":";
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
      const double v = c.series[s].values[i];
      desc += (i ? ", " : " ") + c.categories[i] + " " + (std::isfinite(v) ? num(v) : "–");
    }
  }
  o += "<desc id=\"" + id + "-desc\">" + xml_escape(desc) + "</desc>\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  o += "<text x=\"" + num(c.width / 2.0) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" "
       "font-weight=\"bold\" fill=\"#1b2a3a\">" + xml_escape(c.title) + "</text>\n";
  // Grid and y tick labels.
  o += "<g stroke=\"#d5dbe1\" stroke-width=\"1\">\n";
  const int ticks = static_cast<int>(std::lround(f.y_max / f.step));
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(f.step))) + 1, 0, 9);
  for (int k = 0; k <= ticks; ++k) {
    const std::string y = num(f.y(k * f.step));
    o += "<line x1=\"" + num(f.left) + "\" y1=\"" + y + "\" x2=\"" + num(f.right) + "\" y2=\"" + y +
         "\"/>\n";
  }
  o += "</g>\n<g fill=\"#444c56\" text-anchor=\"end\">\n";
  for (int k = 0; k <= ticks; ++k) {
    o += "<text x=\"" + num(f.left - 6) + "\" y=\"" + num(f.y(k * f.step) + 4) + "\">" +
         num(k * f.step, decimals) + "</text>\n";
  }
  o += "</g>\n<g fill=\"#444c56\" text-anchor=\"" + std::string(f.rotate_labels ? "end" : "middle") +
       "\">\n";
  for (std::size_t i = 0; i < c.categories.size(); ++i) {
    const std::string x = num(f.x_center(i)), y = num(f.bottom + 16);
    o += "<text x=\"" + x + "\" y=\"" + y + "\"" +
         (f.rotate_labels ? " transform=\"rotate(-35 " + x + " " + y + ")\"" : "") + ">" +
         xml_escape(shorten(c.categories[i], 18)) + "</text>\n";
  }
  o += "</g>\n";
  o += "<line x1=\"" + num(f.left) + "\" y1=\"" + num(f.bottom) + "\" x2=\"" + num(f.right) +
       "\" y2=\"" + num(f.bottom) + "\" stroke=\"#5a6470\" stroke-width=\"1\"/>\n";
  if (!c.x_label.empty()) {
    o += "<text x=\"" + num((f.left + f.right) / 2) + "\" y=\"" + num(c.height - 8.0) +
         "\" text-anchor=\"middle\" fill=\"#1b2a3a\">" + xml_escape(c.x_label) + "</text>\n";
  }
  if (!c.y_label.empty()) {
    const std::string y = num((f.top + f.bottom) / 2);
    o += "<text x=\"14\" y=\"" + y + "\" transform=\"rotate(-90 14 " + y +
         ")\" text-anchor=\"middle\" fill=\"#1b2a3a\">" + xml_escape(c.y_label) + "</text>\n";
  }
  if (c.series.size() > 1) {
    double x = f.left;
    for (std::size_t s = 0; s < c.series.size(); ++s) {
      const std::string name = shorten(c.series[s].name, 24);
      o += "<rect x=\"" + num(x) + "\" y=\"34\" width=\"10\" height=\"10\" fill=\"" +
           kPalette[s % std::size(kPalette)] + "\"/>\n";
      o += "<text x=\"" + num(x + 14) + "\" y=\"43\" fill=\"#1b2a3a\">" + xml_escape(name) + "</text>\n";
      x += 30 + kFont * 0.62 * static_cast<double>(char_count(name));
    }
  }
  return o;
}

std::string point_title(const Chart& c, std::size_t s, std::size_t i) {
  return "<title>" + xml_escape(c.series[s].name + " — " + c.categories[i] + ": " +
                                num(c.series[s].values[i])) + "</title>";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    bool valid = len > 0 && i + len <= text.size();
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(text[i + k]);
      valid = (cb & 0xC0) == 0x80;
      cp = (cp << 6) | (cb & 0x3Fu);
    }
    // Overlong forms, surrogates, > U+10FFFF, and XML-forbidden controls are replaced.
    if (valid && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                  (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF ||
                  (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))) {
      valid = false;
    }
    if (!valid) {
      out += "\xEF\xBF\xBD";
      i += 1;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

Result<std::string> bar_chart_svg(const Chart& c) {
  if (Status s = validate(c); !s) return s.error();
  const Frame f = make_frame(c);
  std::string o = open_chart(c, f, "Gráfico de barras");
  const double n = static_cast<double>(c.series.size());
  const double bar_w = f.slot * 0.78 / n;
  for (std::size_t s = 0; s < c.series.size(); ++s) {
    o += "<g fill=\"" + std::string(kPalette[s % std::size(kPalette)]) + "\">\n";
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
      const double v = c.series[s].values[i];
      if (!std::isfinite(v)) continue;
      const double x = f.x_center(i) - f.slot * 0.39 + bar_w * static_cast<double>(s);
      const double top = f.y(v);
      o += "<rect x=\"" + num(x + 0.5) + "\" y=\"" + num(top) + "\" width=\"" +
           num(std::max(bar_w - 1, 0.5)) + "\" height=\"" + num(f.bottom - top) + "\">" +
           point_title(c, s, i) + "</rect>\n";
    }
    o += "</g>\n";
  }
  return o + "</svg>\n";
}

Result<std::string> line_chart_svg(const Chart& c) {
  if (Status s = validate(c); !s) return s.error();
  const Frame f = make_frame(c);
  std::string o = open_chart(c, f, "Gráfico de líneas");
  for (std::size_t s = 0; s < c.series.size(); ++s) {
    const std::string color = kPalette[s % std::size(kPalette)];
    std::string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
      const double v = c.series[s].values[i];
      if (!std::isfinite(v)) {
        pen_down = false;
        continue;
      }
      path += (pen_down ? " L" : (path.empty() ? "M" : " M")) + num(f.x_center(i)) + " " + num(f.y(v));
      pen_down = true;
    }
    if (!path.empty()) {
      o += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
    }
    o += "<g fill=\"" + color + "\">\n";
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
      const double v = c.series[s].values[i];
      if (!std::isfinite(v)) continue;
      o += "<circle cx=\"" + num(f.x_center(i)) + "\" cy=\"" + num(f.y(v)) + "\" r=\"3\">" +
           point_title(c, s, i) + "</circle>\n";
    }
    o += "</g>\n";
  }
  return o + "</svg>\n";
}

}  // namespace pasaprod::docs
