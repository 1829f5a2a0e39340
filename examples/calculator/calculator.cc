// calculator: the four kinds of call, one method each, served by a forked helper.
// The parent spawns the helper, makes one call of each kind, prints what came back and
// waits for the helper to exit. calculator.proto declares the service.
#include <cstdint>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "calculator.forkrpc.h"  // generated from calculator.proto by forkrpc_generate()
#include "forkrpc/forkrpc.h"

namespace {

using calculator::DivideReply;
using calculator::DivideRequest;
using calculator::Number;

// ---- The helper's side ----------------------------------------------------------
// Each method overrides the generated one of the same name. A method returns the
// call's status; its reply goes out only when the status is OK. Methods run on the
// server's handler threads, several calls at once, so they share no unguarded state.
class CalculatorImpl : public calculator::Calculator::Service {
 public:
  // Unary: fill in the one reply.
  absl::Status Divide(forkrpc::ServerContext& context, const DivideRequest& request,
                      DivideReply* reply) override {
    if (request.divisor() == 0) return absl::InvalidArgumentError("division by zero");
    reply->set_quotient(request.dividend() / request.divisor());
    reply->set_remainder(request.dividend() % request.divisor());
    return absl::OkStatus();
  }

  // Server streaming: write any number of replies, then return the status.
  absl::Status Factor(forkrpc::ServerContext& context, const Number& request,
                      forkrpc::ServerWriter<Number>& writer) override {
    int64_t n = request.value();
    if (n < 2) return absl::InvalidArgumentError(absl::StrCat("cannot factor ", n));
    Number factor;
    for (int64_t p = 2; p <= n / p; ++p) {
      while (n % p == 0) {
        factor.set_value(p);
        // Write fails once the client has gone or cancelled: stop, nobody listens.
        if (!writer.Write(factor)) return absl::CancelledError("client stopped listening");
        n /= p;
      }
    }
    if (n > 1) {  // what remains is prime
      factor.set_value(n);
      writer.Write(factor);
    }
    return absl::OkStatus();
  }

  // Client streaming: read requests until the client says it is done, then fill in
  // the one reply.
  absl::Status Sum(forkrpc::ServerContext& context, forkrpc::ServerReader<Number>& reader,
                   Number* total) override {
    Number number;
    int64_t sum = 0;
    while (reader.Read(&number)) sum += number.value();
    total->set_value(sum);
    return absl::OkStatus();
  }

  // Bidirectional streaming: reads and writes interleave as the method likes; here,
  // one reply per request.
  absl::Status RunningTotal(forkrpc::ServerContext& context,
                            forkrpc::ServerReaderWriter<Number, Number>& stream) override {
    Number number;
    Number total;
    while (stream.Read(&number)) {
      total.set_value(total.value() + number.value());
      if (!stream.Write(total)) break;
    }
    return absl::OkStatus();
  }
};

// ---- The parent's side ----------------------------------------------------------
using Stub = calculator::Calculator::Stub;

// Unary: the call blocks until the reply or an error arrives.
absl::Status ShowDivide(Stub& calc) {
  DivideRequest request;
  request.set_dividend(17);
  request.set_divisor(5);
  DivideReply reply;
  // A ClientContext holds one call's settings, here a deadline, and is used once.
  forkrpc::ClientContext context;
  context.set_timeout(absl::Seconds(5));
  absl::Status status = calc.Divide(context, request, &reply);
  if (!status.ok()) return status;
  std::cout << "Divide: 17 / 5 = " << reply.quotient() << " remainder " << reply.remainder()
            << "\n";

  // The short form needs no context and returns the reply or the status. A status the
  // handler returns reaches the caller as it is.
  request.set_divisor(0);
  absl::StatusOr<DivideReply> failed = calc.Divide(request);
  if (failed.ok()) return absl::InternalError("dividing by zero succeeded");
  std::cout << "Divide: 17 / 0 fails with " << failed.status() << "\n";
  return absl::OkStatus();
}

// Server streaming: Read returns replies until the stream ends; Finish tells how.
absl::Status ShowFactor(Stub& calc) {
  Number request;
  request.set_value(360);
  forkrpc::ClientContext context;
  std::unique_ptr<forkrpc::ClientReader<Number>> reader = calc.Factor(context, request);
  std::cout << "Factor: 360 =";
  Number factor;
  while (reader->Read(&factor)) std::cout << " " << factor.value();
  std::cout << "\n";
  return reader->Finish();
}

// Client streaming: Write each request, then Finish, which sends no more and waits for
// the one reply.
absl::Status ShowSum(Stub& calc) {
  forkrpc::ClientContext context;
  Number total;  // filled in when Finish returns OK
  std::unique_ptr<forkrpc::ClientWriter<Number>> writer = calc.Sum(context, &total);
  Number number;
  for (int64_t i = 1; i <= 100; ++i) {
    number.set_value(i);
    if (!writer->Write(number)) break;  // the call ended early; Finish says why
  }
  absl::Status status = writer->Finish();
  if (!status.ok()) return status;
  std::cout << "Sum: 1 + 2 + ... + 100 = " << total.value() << "\n";
  return absl::OkStatus();
}

// Bidirectional streaming: both sides read and write at will. Here each Write is
// followed by the Read of its answer; WritesDone tells the helper no more will come.
absl::Status ShowRunningTotal(Stub& calc) {
  forkrpc::ClientContext context;
  std::unique_ptr<forkrpc::ClientReaderWriter<Number, Number>> stream = calc.RunningTotal(context);
  Number number;
  Number total;
  for (int64_t value : {5, 10, -3, 20}) {
    number.set_value(value);
    if (!stream->Write(number) || !stream->Read(&total)) break;
    std::cout << "RunningTotal: sent " << value << ", total so far " << total.value() << "\n";
  }
  stream->WritesDone();
  return stream->Finish();
}

}  // namespace

int main() {
  // The lambda runs in the forked helper: it registers the service, which the helper
  // then serves until the parent closes the channel.
  forkrpc::SpawnOptions options;
  options.name = "calculator";
  absl::StatusOr<forkrpc::Child> child = forkrpc::Spawn(
      [](forkrpc::Server& server) { server.Register(std::make_unique<CalculatorImpl>()); },
      options);
  if (!child.ok()) {
    std::cerr << "spawn: " << child.status() << "\n";
    return 1;
  }

  // One stub serves every call; stubs and channels may be shared between threads.
  Stub calc(child->channel());
  for (auto show : {ShowDivide, ShowFactor, ShowSum, ShowRunningTotal}) {
    absl::Status status = show(calc);
    if (!status.ok()) {
      std::cerr << "call failed: " << status << "\n";
      return 1;
    }
  }

  // Close the channel and reap the helper, which exits once it sees the channel closed.
  absl::StatusOr<forkrpc::ExitStatus> end = child->Wait();
  if (!end.ok()) {
    std::cerr << "wait: " << end.status() << "\n";
    return 1;
  }
  std::cout << "helper " << end->ToString() << "\n";
  return end->success() ? 0 : 1;
}
