// file_broker: a privilege broker. A program that handles untrusted input is safest when
// it can open no files at all: if the input subverts it, there is nothing for it to
// reach. Yet it still needs a few files. A broker settles this: before the program locks
// itself down (seccomp, Landlock, a chroot, dropped privileges), it forks a helper that
// keeps the right to open files, and from then on asks the helper for each file it
// needs. The helper opens only what its allow-list permits and hands back the open
// descriptor, which the parent can read however tight its sandbox is.
//
// Here the parent skips the lock-down, so the example runs anywhere. It makes a
// directory with two notes and a symbolic link leading out of it, spawns the broker
// with an allow-list of that directory and two files every Debian system has, asks for
// files it may and may not have, prints the first line of each file it receives and the
// status of each refusal, and exits 0 if every answer was the one expected.
// file_broker.proto declares the service.
//
// Expected output, long lines cut short (the directory's name and Debian's version vary):
//   Open /etc/os-release: opened /usr/lib/os-release, first line: PRETTY_NAME="Debian GNU/...
//   Open /etc/debian_version: opened /etc/debian_version, first line: 12.11
//   Open /tmp/file_broker.Ab12Cd/notes.txt: opened /tmp/file_broker.Ab12Cd/notes.txt, fir...
//   Open /etc/shadow: PERMISSION_DENIED: /etc/shadow is not on the allow-list
//   Open /tmp/file_broker.Ab12Cd/../../etc/passwd: PERMISSION_DENIED: /tmp/file_broker.Ab...
//   Open /tmp/file_broker.Ab12Cd/passwd: PERMISSION_DENIED: /tmp/file_broker.Ab12Cd/passwd...
//   Open /tmp/file_broker.Ab12Cd/notes.txt for writing: PERMISSION_DENIED: /tmp/file_brok...
//   Open /tmp/file_broker.Ab12Cd/missing.txt: NOT_FOUND: /tmp/file_broker.Ab12Cd/missing....
//   Open /etc/no-such-file: PERMISSION_DENIED: /etc/no-such-file is not on the allow-list
//   OpenDirectory /tmp/file_broker.Ab12Cd: notes.txt: Notes for the parent.
//   OpenDirectory /tmp/file_broker.Ab12Cd: todo.txt: Water the plants.
//   broker exited with status 0
//   every answer was as expected
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "file_broker.forkrpc.h"  // generated from file_broker.proto by forkrpc_generate()
#include "forkrpc/forkrpc.h"

namespace {

using file_broker::OpenReply;
using file_broker::OpenRequest;

// ---- The broker's side ----------------------------------------------------------

// realpath(3): `path` made absolute, with every symbolic link, "." and ".." resolved.
// Empty, with the reason in `*error`, if that fails (a missing file, say).
std::string Resolve(const std::string& path, int* error) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) {
    *error = errno;
    return "";
  }
  std::string result(resolved);
  std::free(resolved);
  return result;
}

// The files and directories the broker may open: a file entry allows itself, a
// directory entry everything beneath it. Entries are kept resolved, since the paths they
// are compared with will be. Immutable, so handlers on several threads may share it.
class AllowList {
 public:
  // Entries that do not exist are left out: there is nothing there to open.
  explicit AllowList(const std::vector<std::string>& entries) {
    for (const std::string& entry : entries) {
      int error = 0;
      std::string resolved = Resolve(entry, &error);
      if (!resolved.empty()) entries_.push_back(resolved);
    }
  }

  // Whether `resolved`, a path without links, "." or "..", is allowed.
  bool Contains(const std::string& resolved) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](const std::string& entry) {
      return resolved == entry || absl::StartsWith(resolved, entry + "/");
    });
  }

  // Whether `path`, as it was requested, plainly lies inside an entry: it starts with
  // one and has no ".." to climb out again.
  bool PlainlyContains(const std::string& path) const {
    return !absl::StrContains(path + "/", "/../") && Contains(path);
  }

 private:
  std::vector<std::string> entries_;
};

// The broker grants read access only: O_RDONLY, with no other flag.
absl::Status CheckFlags(const OpenRequest& request) {
  int flags = request.flags();
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(request.path(), ": the broker opens files for reading only"));
  }
  if (flags != O_RDONLY) {
    return absl::InvalidArgumentError(
        absl::StrCat(request.path(), ": unsupported open flags 0x", absl::Hex(flags)));
  }
  return absl::OkStatus();
}

// The requested path, resolved, if the allow-list permits it. The check runs on the
// resolved path because the path as written proves nothing: "<allowed dir>/../../etc/
// passwd" starts with an allowed directory yet names /etc/passwd, and a symbolic link
// inside an allowed directory may point anywhere. Compared before resolving, both would
// pass.
absl::StatusOr<std::string> CheckPath(const AllowList& allowed, const std::string& path) {
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("\"", path, "\": the path must be absolute"));
  }
  int error = 0;
  std::string resolved = Resolve(path, &error);
  if (resolved.empty()) {
    // Say NOT_FOUND only where the client may look; elsewhere a missing file is refused
    // like any other, so that the broker does not tell which files exist outside.
    if (!allowed.PlainlyContains(path)) {
      return absl::PermissionDeniedError(absl::StrCat(path, " is not on the allow-list"));
    }
    return absl::ErrnoToStatus(error, path);  // ENOENT: NOT_FOUND
  }
  if (!allowed.Contains(resolved)) {
    return absl::PermissionDeniedError(resolved == path
                                           ? absl::StrCat(path, " is not on the allow-list")
                                           : absl::StrCat(path, " leads outside the allow-list"));
  }
  return resolved;
}

// Opens `resolved`, a path CheckPath approved, for reading, if it is a regular file.
absl::StatusOr<forkrpc::UniqueFd> OpenRegularFile(const std::string& resolved) {
  // O_NOFOLLOW: had the file been replaced by a symbolic link since CheckPath resolved
  // it, open fails (ELOOP) rather than follow it. O_NONBLOCK: a FIFO in an allowed
  // directory cannot make open wait for a writer. O_CLOEXEC: the broker's copy never
  // leaks into a program it might run. A broker serving a tree that others can change
  // would go further, with openat2(2) and RESOLVE_NO_SYMLINKS, which checks every
  // component of the path during the open itself.
  forkrpc::UniqueFd file(::open(resolved.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!file.valid()) {
    if (errno == ELOOP) {
      return absl::PermissionDeniedError(absl::StrCat(resolved, " changed while being opened"));
    }
    return absl::ErrnoToStatus(errno, absl::StrCat("open ", resolved));
  }
  struct stat info;
  if (::fstat(file.get(), &info) != 0) return absl::ErrnoToStatus(errno, "fstat");
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(resolved, " is not a regular file"));
  }
  // A plain read-only descriptor for the client: O_NONBLOCK has served its purpose.
  if (::fcntl(file.get(), F_SETFL, 0) != 0) return absl::ErrnoToStatus(errno, "fcntl");
  return file;
}

class FileBrokerImpl : public file_broker::FileBroker::Service {
 public:
  explicit FileBrokerImpl(AllowList allowed) : allowed_(std::move(allowed)) {}

  // Unary: the descriptor goes with the reply. AttachFd takes ownership; the broker's
  // copy closes once the reply is sent, and the parent then holds the only one.
  absl::Status Open(forkrpc::ServerContext& context, const OpenRequest& request,
                    OpenReply* reply) override {
    absl::Status flags = CheckFlags(request);
    if (!flags.ok()) return flags;
    absl::StatusOr<std::string> resolved = CheckPath(allowed_, request.path());
    if (!resolved.ok()) return resolved.status();
    absl::StatusOr<forkrpc::UniqueFd> file = OpenRegularFile(*resolved);
    if (!file.ok()) return file.status();
    context.AttachFd(*std::move(file));
    reply->set_resolved_path(*resolved);
    return absl::OkStatus();  // a failed call sends no reply, and no descriptors
  }

  // Server streaming: each reply carries the descriptor of one file, given to Write.
  absl::Status OpenDirectory(forkrpc::ServerContext& context, const OpenRequest& request,
                             forkrpc::ServerWriter<OpenReply>& writer) override {
    absl::Status flags = CheckFlags(request);
    if (!flags.ok()) return flags;
    absl::StatusOr<std::string> directory = CheckPath(allowed_, request.path());
    if (!directory.ok()) return directory.status();
    std::error_code error;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(*directory, error), end; !error && it != end;
         it.increment(error)) {
      names.push_back(it->path().filename());
    }
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(*directory, ": ", error.message()));
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      // Each entry passes the same checks as a file asked for by name.
      std::string path = absl::StrCat(*directory, "/", name);
      absl::StatusOr<std::string> resolved = CheckPath(allowed_, path);
      if (!resolved.ok()) continue;
      absl::StatusOr<forkrpc::UniqueFd> file = OpenRegularFile(*resolved);
      if (!file.ok()) continue;
      OpenReply reply;
      reply.set_resolved_path(*resolved);
      std::vector<forkrpc::UniqueFd> fds;
      fds.push_back(*std::move(file));
      if (!writer.Write(reply, std::move(fds))) return absl::CancelledError("client left");
    }
    return absl::OkStatus();
  }

 private:
  const AllowList allowed_;
};

// ---- The parent's side ----------------------------------------------------------
using Stub = file_broker::FileBroker::Stub;

// The first line of the file open on `file`, read like any other descriptor.
std::string FirstLine(const forkrpc::UniqueFd& file) {
  char buffer[256];
  ssize_t size = ::read(file.get(), buffer, sizeof(buffer));
  if (size <= 0) return "";
  std::string text(buffer, static_cast<size_t>(size));
  return text.substr(0, text.find('\n'));
}

// Asks the broker to open `path` with `flags` and prints what came of it: the first line
// of the file, or the status. True if the call ended with `expected`.
bool ShowOpen(Stub& broker, const std::string& path, int flags, absl::StatusCode expected) {
  OpenRequest request;
  request.set_path(path);
  request.set_flags(flags);
  OpenReply reply;
  // Descriptors come through the context, so this call uses the form that takes one.
  forkrpc::ClientContext context;
  absl::Status status = broker.Open(context, request, &reply);
  std::cout << "Open " << path << (flags != O_RDONLY ? " for writing" : "") << ": ";
  if (!status.ok()) {
    std::cout << status << "\n";
    return status.code() == expected;
  }
  // The descriptor arrived as a forkrpc::UniqueFd, which the parent now owns: it is a
  // descriptor of this process, close-on-exec, and it closes when `fds` goes.
  std::vector<forkrpc::UniqueFd> fds = context.TakeResponseFds();
  if (fds.size() != 1) {
    std::cout << "expected one descriptor, got " << fds.size() << "\n";
    return false;
  }
  std::cout << "opened " << reply.resolved_path() << ", first line: " << FirstLine(fds[0]) << "\n";
  return expected == absl::StatusCode::kOk;
}

// Asks the broker for every file in `directory` and prints the first line of each. True
// if the call succeeded with `expected_files` files.
bool ShowOpenDirectory(Stub& broker, const std::string& directory, size_t expected_files) {
  OpenRequest request;
  request.set_path(directory);
  forkrpc::ClientContext context;
  std::unique_ptr<forkrpc::ClientReader<OpenReply>> reader = broker.OpenDirectory(context, request);
  OpenReply reply;
  size_t files = 0;
  for (;;) {
    // Read adds the message's descriptors to `fds`; a fresh vector holds just this one's.
    std::vector<forkrpc::UniqueFd> fds;
    if (!reader->Read(&reply, &fds)) break;
    if (fds.size() != 1) return false;
    std::string name = std::filesystem::path(reply.resolved_path()).filename();
    std::cout << "OpenDirectory " << directory << ": " << name << ": " << FirstLine(fds[0]) << "\n";
    ++files;
  }
  absl::Status status = reader->Finish();
  if (!status.ok()) std::cout << "OpenDirectory " << directory << ": " << status << "\n";
  return status.ok() && files == expected_files;
}

// A fresh directory holding two notes and a symbolic link that leads out of it; the
// caller removes it.
absl::StatusOr<std::string> MakeSampleDirectory() {
  std::string directory = (std::filesystem::temp_directory_path() / "file_broker.XXXXXX");
  if (::mkdtemp(directory.data()) == nullptr) return absl::ErrnoToStatus(errno, "mkdtemp");
  std::ofstream(directory + "/notes.txt") << "Notes for the parent.\nSecond line.\n";
  std::ofstream(directory + "/todo.txt") << "Water the plants.\n";
  if (::symlink("/etc/passwd", (directory + "/passwd").c_str()) != 0) {
    return absl::ErrnoToStatus(errno, "symlink");
  }
  // Resolved, as the broker will see it, in case the temporary directory's own path
  // runs through a symbolic link.
  int error = 0;
  std::string resolved = Resolve(directory, &error);
  if (resolved.empty()) return absl::ErrnoToStatus(error, directory);
  return resolved;
}

}  // namespace

int main() {
  absl::StatusOr<std::string> directory = MakeSampleDirectory();
  if (!directory.ok()) {
    std::cerr << "sample directory: " << directory.status() << "\n";
    return 1;
  }
  const std::string& dir = *directory;

  // The allow-list is fixed here, before the broker exists; the broker keeps its own
  // copy, which nothing the parent does later can change. /etc/os-release is a symbolic
  // link to /usr/lib/os-release, which the list holds resolved.
  AllowList allowed({dir, "/etc/os-release", "/etc/debian_version"});
  forkrpc::SpawnOptions options;
  options.name = "file_broker";
  absl::StatusOr<forkrpc::Child> child = forkrpc::Spawn(
      [allowed](forkrpc::Server& server) {
        server.Register(std::make_unique<FileBrokerImpl>(allowed));
      },
      options);
  if (!child.ok()) {
    std::cerr << "spawn: " << child.status() << "\n";
    return 1;
  }
  // Here a real program would lock itself down, keeping only the channel to the broker.

  Stub broker(child->channel());
  // "/tmp/file_broker.x" becomes "/tmp/file_broker.x/../../etc/passwd": one ".." for
  // each component, which climbs to the root whatever the temporary directory is.
  std::string climb = dir;
  for (char c : dir) climb += c == '/' ? "/.." : "";
  climb += "/etc/passwd";
  struct Case {
    std::string path;
    int flags;
    absl::StatusCode expected;
  };
  const Case cases[] = {
      {"/etc/os-release", O_RDONLY, absl::StatusCode::kOk},
      {"/etc/debian_version", O_RDONLY, absl::StatusCode::kOk},
      {dir + "/notes.txt", O_RDONLY, absl::StatusCode::kOk},
      // Refused however readable the file is to the broker's user: only the list counts.
      {"/etc/shadow", O_RDONLY, absl::StatusCode::kPermissionDenied},
      {climb, O_RDONLY, absl::StatusCode::kPermissionDenied},
      {dir + "/passwd", O_RDONLY, absl::StatusCode::kPermissionDenied},
      {dir + "/notes.txt", O_WRONLY | O_TRUNC, absl::StatusCode::kPermissionDenied},
      {dir + "/missing.txt", O_RDONLY, absl::StatusCode::kNotFound},
      {"/etc/no-such-file", O_RDONLY, absl::StatusCode::kPermissionDenied},
  };
  int unexpected = 0;
  for (const Case& c : cases) {
    if (!ShowOpen(broker, c.path, c.flags, c.expected)) ++unexpected;
  }
  // The link to /etc/passwd is skipped; the two notes come back.
  if (!ShowOpenDirectory(broker, dir, 2)) ++unexpected;

  // Close the channel and reap the broker, which exits once it sees the channel closed.
  absl::StatusOr<forkrpc::ExitStatus> end = child->Wait();
  std::filesystem::remove_all(dir);
  if (!end.ok()) {
    std::cerr << "wait: " << end.status() << "\n";
    return 1;
  }
  std::cout << "broker " << end->ToString() << "\n";
  if (unexpected > 0) {
    std::cout << unexpected << " answers were not the ones expected\n";
    return 1;
  }
  std::cout << "every answer was as expected\n";
  return end->success() ? 0 : 1;
}
