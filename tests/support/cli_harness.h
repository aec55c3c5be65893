// End-to-end harness: running programs, and a real cmdbd process (its own
// embedded PostgreSQL and tokens file in a temp dir, a free loopback port)
// driven by the real cmdbctl binary. Header-only; the e2e tests define
// CMDBD_PATH and CMDBCTL_PATH.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cmdb::testing {

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv with stdout captured and stderr to `err_file`; waits for it.
// With `path`, the program sees PATH=path instead of the inherited PATH.
inline Output RunProgram(const std::vector<std::string>& argv, const std::string& err_file,
                         const std::string& path = "") {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(err, STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (!path.empty()) setenv("PATH", path.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  Output o;
  char buf[8192];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) o.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  std::stringstream s;
  s << e.rdbuf();
  o.err = s.str();
  return o;
}

// A cmdbd process with authentication on, in a temp dir of its own.
class CmdbdProcess {
 public:
  // Creates the dir (named after `prefix`) and its tokens file.
  explicit CmdbdProcess(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    chmod(dir_.c_str(), 0711);  // the embedded PostgreSQL (user postgres) must reach data/
  }

  // A token of `role` named `name`; "" when cmdbd refused.
  std::string Token(const std::string& role, const std::string& name) {
    Output t = RunProgram({CMDBD_PATH, "token", "create", "--role", role, "--name", name, "--tokens", dir_ + "/tokens"},
                          dir_ + "/token.err");
    EXPECT_EQ(t.exit_code, 0) << t.err;
    std::string token = t.out.substr(0, t.out.find('\n'));
    if (!token.empty()) tokens_.push_back(token);
    return token;
  }

  // Starts cmdbd and waits for its "listening on" line; returns HOST:PORT
  // ("" when it did not start within a minute).
  // `extra` flags follow the standard ones (e.g. --db-url URL).
  std::string Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {CMDBD_PATH,    "--data-dir", dir_ + "/data",  "--listen",
                                     "127.0.0.1:0", "--tokens",   dir_ + "/tokens"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      int log = open((dir_ + "/cmdbd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(log, STDERR_FILENO);
      dup2(log, STDOUT_FILENO);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    for (int i = 0; i < 600 && address_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::ifstream log(dir_ + "/cmdbd.log");
      std::string line;
      while (std::getline(log, line)) {
        auto at = line.find("cmdbd listening on ");
        if (at != std::string::npos) address_ = line.substr(at + 19, line.find(' ', at + 19) - at - 19);
      }
    }
    return address_;
  }

  // SIGTERM and wait; true when cmdbd exited 0.
  bool Stop() {
    if (pid_ <= 0) return true;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  // SIGKILL and wait: no shutdown at all (its embedded PostgreSQL, a process
  // of its own, keeps running). Start() may follow on the same dir.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    address_.clear();
  }

  // Removes the directory, after checking that no token this process made
  // appears in cmdbd's log or its embedded PostgreSQL's: every test that
  // runs a cmdbd checks its logs for secrets this way.
  void RemoveDir() {
    const std::string logs[] = {Log(), ReadAll(dir_ + "/data/postgresql.log")};
    for (const std::string& token : tokens_) {
      for (const std::string& log : logs) {
        EXPECT_EQ(log.find(token), std::string::npos) << "a token appears in a log of " << dir_;
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  const std::string& dir() const { return dir_; }
  // The whole log so far.
  std::string Log() const { return ReadAll(dir_ + "/cmdbd.log"); }
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }

  // cmdbctl --server ADDRESS --token TOKEN <args...>
  Output Ctl(const std::vector<std::string>& args, const std::string& token, const std::string& path = "") const {
    std::vector<std::string> argv = {CMDBCTL_PATH, "--server", address_, "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, dir_ + "/ctl.err", path);
  }

  // cmdbctl -o json <args...>, expected to succeed and print JSON.
  nlohmann::json CtlJson(std::vector<std::string> args, const std::string& token) const {
    args.insert(args.begin(), {"-o", "json"});
    Output o = Ctl(args, token);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    nlohmann::json j = nlohmann::json::parse(o.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << o.out;
    return j;
  }

 private:
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  std::string address_;
  pid_t pid_ = -1;
  std::vector<std::string> tokens_;  // made by Token(): must appear in no log
};

}  // namespace cmdb::testing
