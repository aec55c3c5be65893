// An nginx of a test's own, and the file and process helpers the HTTP tests
// share: a temporary directory nginx's workers can read (also as root), the
// part of nginx.conf every such server has (foreground, pid, logs and
// temporary files in the directory), the process, and the wait until each
// listener accepts connections.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cmdb::testing {

// The path of an installed program in the usual directories; "" if none.
inline std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/usr/local/sbin/", "/usr/local/bin/"}) {
    std::string path = std::string(dir) + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Whether a TCP connection to address:port (IPv4) is accepted.
inline bool CanConnect(const std::string& address, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &sin.sin_addr);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0;
  close(fd);
  return ok;
}

// Starts `argv` with its output in `log`; its standard input is `stdin_fd`
// (or /dev/null when -1). It is sent SIGTERM when this process ends.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log, int stdin_fd = -1) {
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // gone with the test, however it ends
    const int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
    dup2(in, 0);
    if (freopen(log.c_str(), "a", stdout) == nullptr || freopen(log.c_str(), "a", stderr) == nullptr) _exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// SIGTERM, then waits for it.
inline void StopProcess(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

class NginxServer {
 public:
  NginxServer() = default;
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;
  ~NginxServer() { Stop(); }

  // Makes the directory /tmp/<prefix>-XXXXXX, removed by Stop() unless
  // Keep() was called or CMDB_KEEP_HTTP_LAB is set; false with error() when
  // it cannot.
  bool MakeDir(const std::string& prefix) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      error_ = "cannot make a temporary directory";
      return false;
    }
    dir_ = pattern;
    namespace fs = std::filesystem;
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    return true;
  }

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& error() const { return error_; }

  // nginx.conf: `main` lines (worker_processes and the like; one worker when
  // empty), `worker_connections`, and `servers` (server blocks) inside the
  // http block, whose common part keeps everything in dir().
  std::string Conf(const std::string& servers, int worker_connections = 512,
                   const std::string& main = "worker_processes 1;\n") const {
    const std::string d = dir_.string();
    return std::string(geteuid() == 0 ? "user root;\n" : "") + "daemon off;\n" + main + "pid " + d +
           "/nginx.pid;\nerror_log " + d + "/error.log warn;\nevents { worker_connections " +
           std::to_string(worker_connections) + "; }\nhttp {\n  access_log off;\n  server_tokens on;\n" +
           "  default_type text/html;\n  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d +
           "/proxy;\n  fastcgi_temp_path " + d + "/fastcgi;\n  uwsgi_temp_path " + d + "/uwsgi;\n  scgi_temp_path " +
           d + "/scgi;\n" + servers + "}\n";
  }

  // Writes `conf` as dir()/nginx.conf, starts `nginx` (a path) on it and
  // waits up to 10 s until every (address, port) in `listeners` accepts a
  // connection. False with error() (nginx's own words) when it does not.
  bool Start(const std::string& nginx, const std::string& conf,
             const std::vector<std::pair<std::string, int>>& listeners) {
    const std::string d = dir_.string();
    WriteFile(dir_ / "nginx.conf", conf);
    pid_ = Spawn({nginx, "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"}, d + "/nginx.out");
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = "nginx exited: " + ReadFile(dir_ / "nginx.out") + ReadFile(dir_ / "error.log");
        return false;
      }
      bool all = true;
      for (const auto& [address, port] : listeners) all = all && CanConnect(address, port);
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    error_ = "nginx did not listen within 10 s: " + ReadFile(dir_ / "error.log");
    return false;
  }

  // Stops nginx and removes the directory (unless kept); safe to call twice.
  void Stop() {
    StopProcess(pid_);
    pid_ = -1;
    if (!dir_.empty() && !keep_ && std::getenv("CMDB_KEEP_HTTP_LAB") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  void Keep() { keep_ = true; }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path dir_;
  std::string error_;
  pid_t pid_ = -1;
  bool keep_ = false;
};

}  // namespace cmdb::testing
