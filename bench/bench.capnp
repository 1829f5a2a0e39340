# The Echo service of bench.proto in Cap'n Proto's schema language, for the capnp
# column: the same calls, each system with its own serialization.
@0xc05eece0a44e51ce;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("forkrpc_bench::cp");

# One request or response: an id and a payload of the size under test.
struct Msg {
  id @0 :UInt64;
  payload @1 :Data;
}

# Where a flood goes: Cap'n Proto streams by calls back to a capability the client
# passes, with flow control on the `stream` method.
interface Sink {
  push @0 (msg :Msg) -> stream;
  # Answered once every push before it has been delivered.
  done @1 () -> ();
}

interface Echo {
  # Answers with the request itself.
  unary @0 (msg :Msg) -> (msg :Msg);
  # Pushes `count` messages of `payloadSize` bytes to `sink`, then calls its done.
  flood @1 (count :UInt64, payloadSize :UInt32, sink :Sink) -> ();
}
