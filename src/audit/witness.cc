#include "audit/witness.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <utility>

namespace pasaprod::audit {

std::string witness_line(const std::string& db_name, const AnchorHead& head) {
  return "audit head db=" + db_name + " seq=" + std::to_string(head.seq) + " hash=" + head.hash;
}

Witness syslog_witness(std::string socket_path, std::string db_name) {
  return [socket_path = std::move(socket_path), db_name = std::move(db_name)](const AnchorHead& head) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) throw std::runtime_error("syslog socket path too long: " + socket_path);
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("syslog socket: ") + std::strerror(errno));
    // authpriv (10) * 8 + notice (5) = 85
    const std::string msg = "<85>pasaprod[" + std::to_string(::getpid()) + "]: " + witness_line(db_name, head);
    ssize_t n;
    do {
      n = ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (n < 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(msg.size())) {
      throw std::runtime_error("syslog " + socket_path + ": " + std::strerror(err));
    }
  };
}

WitnessedAnchor::WitnessedAnchor(AuditAnchor& inner, Witness witness) : inner_(inner), witness_(std::move(witness)) {}

void WitnessedAnchor::advance(const AnchorHead& head) {
  inner_.advance(head);
  try {
    witness_(head);
  } catch (const std::exception& e) {
    std::cerr << "pasaprod: the audit head " << head.seq << " was anchored but not witnessed: " << e.what()
              << " / la cabeza de auditoría " << head.seq << " se ancló pero no quedó atestiguada\n";
  }
}

}  // namespace pasaprod::audit
