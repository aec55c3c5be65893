// The real cmdbd binary as a child process of a benchmark: a free loopback
// port, the process with its output in a log file, and what the kernel says
// of its memory.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace cmdb::bench {

// A free TCP port on 127.0.0.1 (bound, read, released).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// `cmdbd` (its path) listening on `listen` over the database at `url`,
// its output in `log`, with `extra` arguments after the usual ones.
inline pid_t StartCmdbd(const char* cmdbd, const std::string& url, const std::string& listen, int pool,
                        const std::string& log, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {cmdbd,      "--listen",    listen, "--db-url", url, "--db-pool-size",
                                   std::to_string(pool), "--log-level", "warn"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(cmdbd, argv.data());
    _exit(127);
  }
  return pid;
}

// A "Vm...:" line of /proc/<pid>/status in KiB: "VmRSS:" (resident now),
// "VmHWM:" (the peak); -1 when absent.
inline long ProcStatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return -1;
}

// Starts measuring the peak of `pid`'s resident memory again from now.
inline void ResetPeak(pid_t pid) { std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5"; }

}  // namespace cmdb::bench
