// hello: the classic exchange between a parent and the child it forks over a
// socketpair, written as one forkrpc call. The parent sends "Hello from parent"; the
// child prints what it received and answers "Hello from child"; the parent prints the
// answer, then waits for the child to exit.
//
// Expected output:
//   child: received "Hello from parent"
//   parent: received "Hello from child"
//   parent: helper exited with status 0
#include <cstdio>
#include <memory>

#include "forkrpc/forkrpc.h"
#include "hello.forkrpc.h"  // generated from hello.proto by forkrpc_generate()

namespace {

// The helper's side. hello.proto declares the service Peer; the generated class
// hello::Peer::Service has one virtual method per rpc, which we override.
class PeerImpl : public hello::Peer::Service {
 public:
  absl::Status Exchange(forkrpc::ServerContext& context, const hello::Greeting& request,
                        hello::Greeting* reply) override {
    std::printf("child: received \"%s\"\n", request.text().c_str());
    // Flush now, so the line shows before the parent prints the reply, even when
    // stdout is a pipe rather than a terminal.
    std::fflush(stdout);
    reply->set_text("Hello from child");
    return absl::OkStatus();  // the call succeeds and `reply` is sent back
  }
};

// Prints a failed step and gives main's exit code.
int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "parent: %s: %s\n", what, status.ToString().c_str());
  return 1;
}

}  // namespace

int main() {
  // Fork the helper. The lambda runs in the child, on a Server of its own: it
  // registers the service, and the child then answers calls until the parent closes
  // its end of the socketpair. The name appears in any error about this helper.
  forkrpc::SpawnOptions options;
  options.name = "hello";
  absl::StatusOr<forkrpc::Child> child = forkrpc::Spawn(
      [](forkrpc::Server& server) { server.Register(std::make_unique<PeerImpl>()); }, options);
  if (!child.ok()) return Fail("spawn", child.status());

  // The parent's side: a typed stub over the channel to the helper. Calling a method
  // sends the request, waits for the reply and returns it, or the status it failed with.
  hello::Peer::Stub peer(child->channel());
  hello::Greeting greeting;
  greeting.set_text("Hello from parent");
  absl::StatusOr<hello::Greeting> reply = peer.Exchange(greeting);
  if (!reply.ok()) return Fail("Exchange", reply.status());
  std::printf("parent: received \"%s\"\n", reply->text().c_str());

  // Close the channel; the helper sees it closed, stops serving and exits. Wait reaps
  // it, so no zombie is left, and says how it ended.
  absl::StatusOr<forkrpc::ExitStatus> end = child->Wait();
  if (!end.ok()) return Fail("wait", end.status());
  std::printf("parent: helper %s\n", end->ToString().c_str());
  return end->success() ? 0 : 1;
}
