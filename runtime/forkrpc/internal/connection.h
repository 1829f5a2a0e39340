// connection.h: one socket between two processes, shared by every call on it. It sends
// frames (one sendmsg each; a packet is never split or interleaved), reads frames and
// hands each to its Handler (the client's channel or the server's session), detects a
// dead peer, and fails every call at once when the connection ends.
//
// A message too big for one packet travels in CHUNK frames ahead of its frame, or, at
// or above ConnectionOptions::memfd_threshold, in a sealed memfd; descriptors beyond
// one packet's share ride on the CHUNK frames (docs/wire-format.md).
//
// There is no reader thread. A thread that waits for something on the connection (a
// reply, a stream message, credit, work for a server thread) reads the socket itself
// whenever no other thread is reading, and dispatches what it reads to whichever call
// it belongs to. So a single caller sends its request and reads its own reply with no
// thread hop, and many callers share the reading among themselves. A waiting thread
// parks a target for its message in its CallState, and the reading thread parses
// straight into it from the packet.
#ifndef FORKRPC_INTERNAL_CONNECTION_H_
#define FORKRPC_INTERNAL_CONNECTION_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "forkrpc/internal/busy_poll.h"
#include "forkrpc/internal/call_state.h"
#include "forkrpc/internal/chunk_assembler.h"
#include "forkrpc/internal/event_set.h"
#include "forkrpc/internal/frame.h"
#include "forkrpc/internal/hello.h"
#include "forkrpc/internal/message_bytes.h"
#include "forkrpc/internal/socket_io.h"
#include "forkrpc/peer_credentials.h"
#include "forkrpc/socket_pair.h"
#include "forkrpc/unique_fd.h"
#include "google/protobuf/message_lite.h"

namespace forkrpc::internal {

// Something a dispatch asks a thread to run once it has stopped reading: a server
// handler, say.
using Work = absl::AnyInvocable<void()>;

// The process at the other end, watched through a pidfd: it becomes readable when the
// process exits, the only news of a dead peer over SOCK_DGRAM (unix(7)).
struct PeerProcess {
  UniqueFd pidfd;
  // Our own child, whose end waitid(2) can read to say how it ended.
  bool is_child = false;
};

struct ConnectionOptions {
  // The largest serialized message this side sends or accepts.
  int64_t max_message_size = 0;
  // Announced in our hello by a helper whose setup failed.
  absl::Status setup_error;
  // Messages of at least this many serialized bytes that do not fit one packet travel
  // in a sealed memfd instead of in chunks (ChannelOptions::memfd_threshold).
  int64_t memfd_threshold = INT64_MAX;
  // How statuses name the peer ("helper calc (pid 4242)"); "peer" when empty.
  std::string peer_name;
  std::optional<PeerProcess> peer_process;
  // How long a reader polls the socket before it sleeps in the receive (busy_poll.h);
  // at most BusyPoll::kMaxBudget.
  absl::Duration busy_poll = absl::ZeroDuration();
};

// How long the socket of a server may go unwatched while its pool threads run calls
// before an idle one takes over (Connection::IdleWait): the most a slow handler delays
// the reading of calls that come meanwhile.
inline constexpr absl::Duration kWatchdogPeriod = absl::Milliseconds(5);

// How long a reader blocks in recvmsg (SO_RCVTIMEO) before it turns to waiting on its
// event set, which also hears WakeReader, the peer's pidfd and room for queued control
// frames. Blocking in the receive itself saves a wait call per packet while packets
// come often; the kernel rounds the slice up to its clock tick, so a wake-up meant for
// a blocked reader (TryCancel from another thread, say) may take a few milliseconds.
// A server over SEQPACKET receives without a slice (Connection::ReceiveWithoutSlice).
inline constexpr absl::Duration kReceiveSlice = absl::Milliseconds(1);

// One frame to send. The control message and the user message are serialized straight
// into the packet.
struct OutgoingFrame {
  FrameType type = FrameType::kMessage;
  uint8_t flags = 0;
  uint32_t call_id = 0;
  const google::protobuf::MessageLite* control = nullptr;
  // The control section serialized already, sent when `control` is null: a sender
  // that sends the same section again and again keeps its bytes.
  absl::string_view control_bytes;
  // Sent when set; CALL_START and STATUS frames get kFlagHasMessage for it.
  const google::protobuf::MessageLite* message = nullptr;
  absl::Span<const int> fds;
};

// Thread-safe.
class Connection {
 public:
  // What the connection tells the side that owns it. Every method runs on the thread
  // that read the frame or noticed the failure.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A frame for a call; runs without mu() held. An error is a protocol violation and
    // closes the connection. May leave in `work` something for the reading thread to
    // run after it stops reading. Takes what it keeps of `fds`; the reader closes the
    // rest (passed by reference, the vector is not rebuilt at each layer of a dispatch).
    virtual absl::Status OnFrame(const Frame& frame, std::vector<UniqueFd>&& fds, Work* work) = 0;
    // The peer said it is going away; runs without mu() held.
    virtual void OnGoodbye(absl::string_view reason) = 0;
    // The connection failed: end every call with `status`, without blocking and
    // without running user code. Runs with mu() held, exactly once.
    virtual void FailCalls(const absl::Status& status) = 0;
    // Work a reading thread produced but cannot run itself, being inside a call.
    virtual void Schedule(Work work) = 0;
  };

  enum class AwaitResult { kReady, kTimeout, kFailed };

  // How a server's pool threads share the socket (connection_watch.cc). At most one
  // thread watches it at a time: a caller waiting in Await, or one idle pool thread
  // (Watch). The other idle pool threads sleep here, on the watchdog: a thread that
  // stops watching to run a call arms a timer instead of waking anyone, and if the
  // socket is still unwatched when it fires (a slow handler), a sleeper takes over. A
  // short handler's thread simply watches again, so a call costs no wake-up but its
  // packet's. Work posted from elsewhere (NotifyIdleThread) wakes one sleeper;
  // WakeIdleThreads wakes them all. Used by one thread.
  class IdleWait {
   public:
    enum class Reason { kWatchdog, kNotified, kOther };
    // An idle pool thread is woken for a watchdog expiry or a posted work item, one
    // sleeper for each, and takes it. The session's supervisor, which stands in for the
    // idle thread a pool of one lacks, is woken by every expiry and takes it only when
    // no pool thread could (TakeWatchdogExpiry); posted work is not its business.
    enum class Sleeper { kPoolThread, kSupervisor };
    explicit IdleWait(Connection& connection, Sleeper sleeper = Sleeper::kPoolThread);
    // Sleeps until the watchdog fires, work is posted (pool threads), or WakeIdleThreads.
    Reason Wait();
    // False if the epoll set could not be made: Wait then naps.
    bool ready() const { return epoll_.valid(); }

   private:
    Connection& connection_;
    const Sleeper sleeper_;
    UniqueFd epoll_;
  };

  // Turns the watchdog on, for a server's pool. Fails only for want of descriptors.
  absl::Status EnableWatchdog();
  // For a server over SEQPACKET, before Start: blocking receives wait without the
  // slice. All that must wake a server's reader comes as a packet, as the end of the
  // client's socket (SEQPACKET reports it, unlike DGRAM) or as Fail's own shutdown of
  // the socket; a blocking receive under SO_RCVTIMEO arms and cancels a kernel timer
  // each time it sleeps, which on a lone caller's round trip is every request.
  // Receives with a deadline wait on the event set instead, and the idle pool threads
  // retry control frames queued for want of room (IdleWait::Wait), which a reader
  // blocked in the receive would not see the room for.
  absl::Status ReceiveWithoutSlice();
  // For the supervisor (IdleWait::Sleeper::kSupervisor), with mu() held: consumes a
  // watchdog expiry, so that the timer can be armed again; false if there was none.
  bool TakeWatchdogExpiry() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // With mu() held: how long the socket has gone unwatched; zero while a thread
  // watches it.
  absl::Duration UnwatchedFor() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the watchdog's timer for `delay` unless it runs already.
  void ArmWatchdog(absl::Duration delay);

  // Takes over `socket`, which must be one end of an AF_UNIX SOCK_SEQPACKET or
  // SOCK_DGRAM socketpair (INVALID_ARGUMENT otherwise).
  static absl::StatusOr<std::unique_ptr<Connection>> Create(UniqueFd socket,
                                                            ConnectionOptions options);
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // From now on frames reach `handler`, which must outlive this. Sends our hello unless
  // `defer_hello`, in which case SendHello must follow.
  absl::Status Start(Handler* handler, bool defer_hello = false);

  // Sends our hello. A helper's parent sends it only once it has read the helper's:
  // over SOCK_DGRAM, sending to a peer that has exited makes the kernel drop what the
  // peer sent us (unix_dgram_disconnected), and that may be the hello saying why it
  // exited.
  absl::Status SendHello();

  // The lock that guards the connection's state and every CallState on it.
  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }

  // Blocks until `ready` holds (evaluated with mu() held), `deadline` passes, or the
  // connection fails. Meanwhile the calling thread reads and dispatches frames whenever
  // no other thread is reading and `wants_to_read` (evaluated with mu() held) allows;
  // work a dispatch produces goes to the handler's Schedule. `reply_pending` says the
  // caller has just sent a request whose answer cannot be there yet, so the first read
  // waits rather than tries the socket at once.
  // `may_block` lets the reads block in the receive (kReceiveSlice) for a thread that
  // nothing but a packet, the deadline or the connection's end needs to wake promptly.
  // `gather` (evaluated with mu() held): once `ready` holds, a thread that has been
  // reading goes on dispatching the frames already waiting, up to kMaxGatheredFrames,
  // while `gather` allows: the async pump collects several replies into one turn.
  // `holding_reader_role`: the calling thread took the role already (ClaimReaderRole),
  // and reads at once.
  // `ends_in_dispatch`: `ready` turns true only in a handler's critical section that
  // then calls EndReadingIfReady, which may give up the reader role right there.
  AwaitResult Await(absl::FunctionRef<bool()> ready, absl::Time deadline,
                    absl::FunctionRef<bool()> wants_to_read = AlwaysTrue,
                    bool reply_pending = false, bool may_block = true,
                    absl::FunctionRef<bool()> gather = AlwaysFalse,
                    bool holding_reader_role = false, bool ends_in_dispatch = false)
      ABSL_LOCKS_EXCLUDED(mu_);

  // For a handler, in the critical section in which it ended a call: if the thread
  // dispatching is the one waiting for that call (an Await with `ends_in_dispatch`)
  // and its way back from the dispatch touches nothing of the reader's, the thread
  // gives up the reader role here, and its Await returns without another section.
  void EndReadingIfReady() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static constexpr int kMaxGatheredFrames = 64;

  // For an idle pool thread, with mu() held (in a section the thread takes anyway):
  // takes the socket to watch unless another thread watches it or the connection has
  // failed. `after_watchdog` when the thread was woken by the watchdog: it then takes
  // over only from a socket unwatched for a whole watchdog period, and otherwise learns
  // in `too_soon_by` how long is left, for ArmWatchdog outside the section.
  bool ClaimWatch(bool after_watchdog, absl::Duration* too_soon_by)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Having claimed the socket: watches it, reading and dispatching frames until a
  // dispatch produces work (left in `work` for the caller to run), a caller in Await
  // asks for the socket, WakeReader is called, or the connection fails.
  // `leaving_for_work` runs with mu() held in the section that gives the socket up,
  // when there is work to run: the caller counts itself busy there, in no section of
  // its own.
  void Watch(Work* work, absl::FunctionRef<void()> leaving_for_work) ABSL_LOCKS_EXCLUDED(mu_);
  // For a handler: the frame being dispatched was read by Watch, whose thread leaves
  // the socket for the work the dispatch produces, running `leaving_for_work`, before
  // any other frame is dispatched. Reader-role holder only.
  bool dispatching_for_watch() const { return dispatching_for_watch_; }

  // Waits for the peer's hello until `deadline`. Its setup error, if any, is returned.
  absl::StatusOr<HelloInfo> AwaitPeerHello(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

  // Sends one frame, waiting for room in the socket until `deadline`. Fails with
  // RESOURCE_EXHAUSTED when the message is over a limit (nothing is sent), and with the
  // connection's failure once it has failed.
  // `batchable`: the frame may wait in this thread's open batch (BeginBatch).
  // `reading`, when set: the calling thread holds the reader role (ClaimReaderRole)
  // to read the reply of what it sends. It keeps the role only while the frame goes
  // in line, with one send(2); any other way gives the role back first (and clears
  // `*reading`), as waiting for room may need another thread to read.
  absl::Status Send(const OutgoingFrame& frame, absl::Time deadline, bool batchable = false,
                    bool* reading = nullptr) ABSL_LOCKS_EXCLUDED(mu_);

  // For a caller about to send a request and read its reply, in a critical section it
  // takes anyway: takes the reader role if no other thread reads and the connection
  // has not failed. The role then passes through Send to Await.
  bool ClaimReaderRole() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gives back a role taken with ClaimReaderRole, if `*reading` says it is held.
  void GiveBackReaderRole(bool* reading) ABSL_LOCKS_EXCLUDED(mu_);

  // Opens a batch on this thread: until EndBatch, frames it sends here with `batchable`,
  // and the control frames that follow them, collect into BATCH packets (one system call
  // and one packet for many frames) instead of going one packet each. Any other frame
  // the thread sends here, and any Await, sends the batch first, so the thread's frames
  // keep their order. The async pump opens one around the completions it runs, whose
  // callbacks start calls. False, and nothing changes, if this thread has a batch open.
  bool BeginBatch();
  // Sends what the batch holds and closes it. Appends to `unsent` the call ids of
  // batchable frames that could not be sent, and returns the first reason.
  absl::Status EndBatch(std::vector<uint32_t>* unsent);

  // Sends a small frame with no message and no descriptors without ever blocking: if
  // the socket is full it is queued and sent as soon as there is room. For frames sent
  // from places that must not wait (cancellation, a dispatching thread).
  void SendControl(FrameType type, uint32_t call_id,
                   const google::protobuf::MessageLite* control = nullptr) ABSL_LOCKS_EXCLUDED(mu_);

  // Routes a received message to `call`: parsed straight into the target of a waiting
  // reader, or queued (taking over the frame's message bytes when they are not a view
  // into the packet). For Handler::OnFrame only; errors are protocol errors.
  absl::Status DeliverMessage(CallState& call, const Frame& frame, std::vector<UniqueFd> fds)
      ABSL_LOCKS_EXCLUDED(mu_);

  // DeliverMessage in two halves, for a handler that looks the call up under mu()
  // anyway: the first queues the message, or claims the target of a waiting reader,
  // which the second, called without the lock, fills.
  absl::Status DeliverMessageLocked(CallState& call, const Frame& frame, std::vector<UniqueFd>* fds,
                                    MessageTarget* claimed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CompleteDelivery(CallState& call, const MessageTarget& target, const Frame& frame,
                        std::vector<UniqueFd> fds) ABSL_LOCKS_EXCLUDED(mu_);

  // Drops what has arrived of a chunked message for call `call_id`, which ended.
  void ForgetPartialMessage(uint32_t call_id) ABSL_LOCKS_EXCLUDED(mu_);

  // Reads the next message of `call` into `target`, waiting until `deadline`: true for
  // a message; false when no more will come (the peer half-closed or the call ended);
  // INTERNAL when the message does not parse; DEADLINE_EXCEEDED. Returns flow-control
  // credit to the peer as messages are consumed.
  absl::StatusOr<bool> ReadMessage(CallState& call, MessageTarget target, absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Sends a stream message on `call` once it has flow-control credit. FAILED_PRECONDITION
  // if the call ended first.
  absl::Status SendStreamMessage(CallState& call, OutgoingFrame frame, absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Ends the connection with `status` for the calls in flight; later calls get
  // UNAVAILABLE. Says goodbye to the peer first when `say_goodbye`. Idempotent.
  void Fail(const absl::Status& status, bool say_goodbye = false) ABSL_LOCKS_EXCLUDED(mu_);

  // The status a call started now fails with, or OK while the connection works.
  absl::Status FailureForNewCalls() const ABSL_LOCKS_EXCLUDED(mu_);
  bool failed() const { return failed_.load(std::memory_order_acquire); }

  // Wakes the thread reading, so it re-checks what it waits for (a call cancelled by
  // another thread, say).
  void WakeReader();
  // Wakes every thread sleeping in an IdleWait, so it re-checks its work.
  void WakeIdleThreads();
  // Wakes one thread sleeping in an IdleWait (or the next to sleep), for posted work.
  void NotifyIdleThread();

  // The peer's credentials from its hello; zeros until it arrived.
  PeerCredentials peer_credentials() const ABSL_LOCKS_EXCLUDED(mu_);
  // The same, for a frame handler called by the reader after the hello: the reader role
  // passes from thread to thread through mu_, so the hello's writes are visible to it
  // without taking the lock again.
  const PeerCredentials& peer_credentials_for_reader() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return peer_credentials_;
  }
  SocketType socket_type() const { return socket_type_; }
  const std::string& peer_name() const { return options_.peer_name; }

 private:
  static bool AlwaysTrue() { return true; }
  static bool AlwaysFalse() { return false; }

  // What a thread reading in Await with `ends_in_dispatch` waits for. Only that thread
  // touches it, through t_reader_wait_.
  struct ReaderWait {
    const Connection* connection;
    absl::FunctionRef<bool()> ready;
    bool ended = false;   // EndReadingIfReady gave up the role
    int64_t left_at = 0;  // what DropReaderRole returned then
  };
  // This thread's ReaderWait while a dispatch may end its reading, else null: unset
  // around the ways back that read or write the reader's state after a dispatch (busy
  // polling, a message gathered from chunks or a memfd).
  static thread_local ReaderWait* t_reader_wait_;
  // Sets this thread's t_reader_wait_ for a scope, and puts back what it was.
  class ScopedReaderWait {
   public:
    explicit ScopedReaderWait(ReaderWait* wait) : outer_(std::exchange(t_reader_wait_, wait)) {}
    ~ScopedReaderWait() { t_reader_wait_ = outer_; }
    ScopedReaderWait(const ScopedReaderWait&) = delete;
    ScopedReaderWait& operator=(const ScopedReaderWait&) = delete;

   private:
    ReaderWait* const outer_;
  };

  Connection(UniqueFd socket, SocketType type, uint32_t max_packet_size, UniqueFd wake,
             UniqueFd idle_wake, ConnectionOptions options);

  // The reader's event set: its slots.
  static constexpr int kSocketSlot = 0;
  static constexpr int kWakeSlot = 1;
  static constexpr int kPeerSlot = 2;
  // What the reader's wait saw.
  struct ReaderEvents {
    bool readable = false;     // a packet, end-of-file or an error is there to read
    bool woken = false;        // WakeReader was called (and is now drained)
    bool peer_exited = false;  // the peer's pidfd reported its exit
  };
  // Reader-role holder only: waits until the socket is readable, WakeReader, the peer's
  // exit, `deadline`, or room for queued control frames, which it then sends.
  absl::StatusOr<ReaderEvents> WaitForEvents(absl::Time deadline);
  // Sets up reader_events_, at the first wait that needs it: a helper that answers one
  // call and exits may never need it.
  absl::Status MakeReaderEvents();

  // How a frame's message travels.
  enum class Path { kInLine, kChunked, kMemfd };
  // A frame's sizes and path, decided before anything is serialized.
  struct Plan {
    Path path = Path::kInLine;
    size_t control_size = 0;
    size_t message_size = 0;
  };
  // Checks `frame` against the limits and picks its path.
  absl::StatusOr<Plan> PlanFrame(const OutgoingFrame& frame);
  // Sends `frame` along `plan`.
  absl::Status SendPlanned(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline);
  // Writes `frame`, planned in line, whole into this thread's packet buffer, and
  // returns where it lies there.
  iovec EncodeInLine(const OutgoingFrame& frame, const Plan& plan);
  // The common case of SendPlanned, the frame in line without descriptors, with no
  // batch open on this thread and no control frame queued: one send(2), with the
  // general path's waiting only when that does not go.
  absl::Status SendInLine(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline,
                          bool* reading);
  absl::Status SendChunked(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline);
  // Asks for a send buffer of several packets, once, before the first chunked message.
  absl::Status EnlargeSendBuffer();
  // The stream SendChunked serializes into, which sends each chunk as it fills
  // (connection_send.cc).
  class ChunkWriter;
  absl::Status SendViaMemfd(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline);
  // The header of `frame` sent along `plan`, with `path_flag` (kFlagChunked,
  // kFlagOutOfLine or 0) and `fd_count` descriptors in its own packet.
  static FrameHeader HeaderFor(const OutgoingFrame& frame, const Plan& plan, uint8_t path_flag,
                               size_t fd_count);
  // Writes `header` and `frame`'s control section to `out`; returns the bytes written.
  size_t EncodeHead(const OutgoingFrame& frame, const FrameHeader& header, size_t control_size,
                    char* out);
  // Adds `frame`, planned in line, to this thread's batch, sending the batch first if
  // the frame does not fit beside it; false if the frame cannot be batched. EndBatch
  // names the frame's call if its packet fails. A `control` frame (SendControl) never
  // waits: it is refused rather than sending the batch, and its loss is moot, the
  // frames it follows having failed too.
  bool AddToBatch(const OutgoingFrame& frame, const Plan& plan, absl::Time deadline,
                  bool control);
  // Sends this thread's batch on this connection, if it holds frames; a failure is kept
  // for EndBatch.
  void FlushBatch();
  // Closes this thread's batch on this connection without sending it.
  void ForgetBatch();
  // The connection this thread has a batch open on, if any. Constant-initialised, so
  // the check costs a load where no batch is open (nearly everywhere).
  static inline thread_local const Connection* batch_owner_ = nullptr;
  // Sends one packet of a frame, after any control frames still queued, and with
  // descriptors after a DESCRIPTORS_NEXT of its own.
  absl::Status SendFramePacket(absl::Span<const iovec> data, absl::Span<const int> fds,
                               absl::Time deadline);
  // Sends one packet, waiting for room until `deadline` and reading meanwhile if no
  // one else is, so that two sides that both send cannot wedge each other.
  absl::Status SendPacketWaiting(absl::Span<const iovec> data, absl::Span<const int> fds,
                                 bool with_credentials, absl::Time deadline);
  // Who flushes the control queue, which decides whom a flush that leaves frames
  // behind wakes.
  enum class Flusher {
    kReader,      // the reader-role holder, which waits for room itself next
    kIdleThread,  // an idle pool thread retrying (IdleWait::Wait)
    kOther,
  };
  // Sends queued control packets while the socket has room. What does not fit stays
  // queued; unless `flusher` is the reader, the reader is woken to wait for room (woken
  // by itself, it would leave its watch before reading, and a peer blocked sending to
  // it would never get room), and without a receive slice the idle pool threads are
  // woken too, to retry, unless one of them flushed.
  void FlushControlQueue(Flusher flusher = Flusher::kOther) ABSL_LOCKS_EXCLUDED(send_mu_);
  // Claims the reader role if it is free.
  bool TryTakeReaderRole() ABSL_LOCKS_EXCLUDED(mu_);
  void ReleaseReaderRole() ABSL_LOCKS_EXCLUDED(mu_);
  // Marks the socket unwatched from now. Returns now (monotonic nanoseconds) if the
  // watchdog should watch this stretch (ArmWatchdogAfterDrop, outside the lock), else 0.
  int64_t DropReaderRole() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the watchdog fire a period after `left_at`, DropReaderRole's time, unless it
  // is set to fire sooner than that (and not too soon, see the definition).
  void ArmWatchdogAfterDrop(int64_t left_at);
  // Sets the watchdog's timer to fire at `due` (monotonic nanoseconds).
  void SetWatchdogTimer(int64_t due);

  // Reader-role holder only: waits until the socket is readable (or `deadline`), then
  // receives and dispatches one packet. Blocks in the receive if `may_block` and
  // BlockingReceiveAllowed.
  void ReadOnce(absl::Time deadline, Work* work, bool may_block);
  // Whether the next wait for a packet may block in the receive: packets have been
  // coming (a slice that passed empty turns it off until the next one), no chunked
  // message is half-way, no control frame waits for room, and `deadline` is further
  // away than the slice could last.
  bool BlockingReceiveAllowed(absl::Time deadline) const;
  // Reader-role holder only: polls the socket for up to the busy-poll budget when
  // busy_poll_ says so, else (or then) blocks in the receive for up to a slice, and
  // dispatches what came; false when the slice passed empty, which turns
  // packets_flowing_ off.
  bool ReceiveWithinSlice(Work* work);
  // Reader-role holder only: receives one packet if one is there (or, with kWait,
  // within kReceiveSlice), and dispatches it. Work the dispatch produces goes to
  // `work`, or to the handler's Schedule when null.
  void ReceiveAndDispatch(Work* work, ReceiveMode mode = ReceiveMode::kDontWait);
  // Reader-role holder only: when the next packet continues a chunked message, receives
  // it straight into the message's buffer and returns true.
  bool ReceiveChunkInPlace();
  void Dispatch(const ReceivedPacket& packet, std::vector<UniqueFd>&& fds, Work* work);
  // Dispatches the next frame of the BATCH in batch_rest_.
  void DispatchBatched(Work* work);
  // Hands a call's frame, with its message gathered, to the handler.
  absl::Status DispatchCallFrame(Frame* frame, std::vector<UniqueFd>* fds, bool fds_lost,
                                 Work* work);
  // Fails the connection over `status`, a dispatch's error; a protocol error says goodbye.
  void FailDispatch(const absl::Status& status);
  // Moves work a dispatch produced to `work`, or, when that is null, schedules it.
  void DeliverWork(Work& produced, Work* work) {
    if (work != nullptr) {
      *work = std::move(produced);
    } else {
      handler_->Schedule(std::move(produced));
    }
  }
  // Finds the bytes and descriptors of `frame`'s message where they travelled (in
  // chunks, in a memfd) and applies the size limit. Errors are protocol violations.
  absl::Status GatherMessage(Frame* frame, std::vector<UniqueFd>* fds, bool fds_lost,
                             MessageBytes* storage);
  absl::Status AcceptHello(const Frame& frame, const std::optional<ucred>& credentials);
  // The peer is gone: work out how it ended (briefly waiting on its pidfd) and fail.
  void PeerGone();
  // A send found the peer gone: read what it sent before it went (its last replies, or
  // the hello saying why it failed), unless another thread is reading, then fail.
  void DrainAndFail();
  absl::Status DescribePeerEnd();
  void DrainWake();

  const UniqueFd socket_;
  const SocketType socket_type_;
  const uint32_t max_packet_size_;  // the largest packet we send
  std::atomic<bool> send_buffer_enlarged_{false};
  const UniqueFd wake_;             // eventfd that interrupts the reader's poll
  // eventfd that wakes IdleWait sleepers. Never read: a reader draining it would
  // swallow the edge an idle thread's epoll_wait is about to report.
  const UniqueFd idle_wake_;
  // Set by EnableWatchdog: the watchdog's timerfd, and a semaphore eventfd whose every
  // post wakes one IdleWait sleeper.
  UniqueFd watchdog_;
  UniqueFd work_posted_;
  std::atomic<bool> watchdog_armed_{false};
  // When the armed timer fires (monotonic nanoseconds).
  std::atomic<int64_t> watchdog_due_nanos_{0};
  ConnectionOptions options_;
  Handler* handler_ = nullptr;

  // Used only by the holder of the reader role. The receive buffer is sized by the
  // peer's hello and left uninitialised, so its pages cost memory only once a packet
  // fills them.
  std::optional<EventSet> reader_events_;
  bool reader_events_want_room_ = false;  // the socket's slot waits for EPOLLOUT too
  std::unique_ptr<char[]> receive_buffer_;
  size_t receive_capacity_ = 0;
  bool hello_received_ = false;
  ChunkAssembler assembler_;
  // The frame being dispatched keeps its message here, for DeliverMessage to take.
  MessageBytes* dispatched_storage_ = nullptr;
  bool expect_data_ = false;  // the last receive found a packet: try again before polling
  // The frames of the last BATCH received that are not dispatched yet, in
  // receive_buffer_. Reads take them before the socket's next packet.
  absl::string_view batch_rest_;
  // No slice has passed empty since the last packet came (or since the start: the peer's
  // hello is usually on its way).
  bool packets_flowing_ = true;
  // Blocking receives end after kReceiveSlice (SO_RCVTIMEO); false once
  // ReceiveWithoutSlice, before Start.
  bool receive_slice_ = true;
  // The last watcher stopped to run a call. The next request is then usually not there
  // yet (a lone caller waits for the reply it just got), so the first read after a call
  // polls rather than tries, unless tries have been finding requests (pipelining
  // callers); one read in kRetryTryAfterWork tries anyway, to notice a change.
  bool watching_after_work_ = false;
  bool poll_after_work_ = false;
  bool dispatching_for_watch_ = false;  // dispatching_for_watch()
  uint32_t reads_after_work_ = 0;
  // Packets with descriptors the peer announced (DESCRIPTORS_NEXT) and has not sent
  // yet. While there are none, packets are received without room for descriptors
  // (ControlRoom::kNone), the cheaper call. Frames of different calls interleave, so
  // a packet without descriptors does not use an announcement up.
  uint64_t announced_descriptor_packets_ = 0;
  BusyPoll busy_poll_;  // whether the next blocking receive polls first
  bool peer_reset_seen_ = false;                   // recvmsg reported the peer's ECONNRESET once
  std::atomic<int64_t> peer_max_message_size_{0};  // 0 until the peer's hello

  std::atomic<bool> failed_{false};

  mutable absl::Mutex mu_;
  bool reader_active_ ABSL_GUARDED_BY(mu_) = false;
  // The reader is an idle pool thread, which gives the socket up to any caller that
  // asks (handover_requested_).
  bool reader_is_idle_watcher_ ABSL_GUARDED_BY(mu_) = false;
  bool handover_requested_ ABSL_GUARDED_BY(mu_) = false;
  // When the socket was last left unwatched, on the monotonic clock; 0: long ago.
  int64_t unwatched_since_nanos_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<HelloInfo> peer_hello_ ABSL_GUARDED_BY(mu_);
  PeerCredentials peer_credentials_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_for_new_calls_ ABSL_GUARDED_BY(mu_);
  // Calls whose partial chunked messages the reader should drop.
  std::vector<uint32_t> forgotten_partials_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> partials_forgotten_{false};

  // Separate from mu_ so that senders never wait behind readers' bookkeeping.
  absl::Mutex send_mu_;
  std::vector<std::string> control_queue_ ABSL_GUARDED_BY(send_mu_);
  std::atomic<bool> control_queued_{false};
};

}  // namespace forkrpc::internal

#endif  // FORKRPC_INTERNAL_CONNECTION_H_
