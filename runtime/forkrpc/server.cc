#include "forkrpc/server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "forkrpc/internal/connection.h"
#include "forkrpc/internal/errno_status.h"
#include "forkrpc/internal/server_session.h"

namespace forkrpc {

Server::Server(ServerOptions options)
    : options_(options), routes_(std::make_unique<internal::RouteTable>()) {}

Server::~Server() {
  Shutdown(absl::Now());
  if (started_.joinable()) started_.join();
}

void Server::Register(Service* service) {
  absl::MutexLock lock(&mu_);
  AddService(service);
}

void Server::Register(std::unique_ptr<Service> service) {
  absl::MutexLock lock(&mu_);
  AddService(service.get());
  owned_services_.push_back(std::move(service));
}

void Server::AddService(Service* service) {
  if (!registration_error_.ok()) return;  // the first error is the one reported
  if (service == nullptr) {
    registration_error_ = absl::InvalidArgumentError("register: the service is null");
    return;
  }
  if (serving_) {
    registration_error_ = absl::FailedPreconditionError(
        absl::StrCat("register ", service->service_name(), ": the server is serving already"));
    return;
  }
  for (const auto& [name, route] : routes_->routes) {
    if (route.service->service_name() == service->service_name()) {
      registration_error_ = absl::AlreadyExistsError(
          absl::StrCat("register: service ", service->service_name(), " is registered twice"));
      return;
    }
  }
  for (const std::unique_ptr<MethodHandler>& handler : service->method_handlers()) {
    const char* name = handler->method().full_name;
    if (!routes_->routes.emplace(name, internal::Route{handler.get(), service}).second) {
      registration_error_ =
          absl::AlreadyExistsError(absl::StrCat("register: method ", name, " is served twice"));
      return;
    }
  }
}

absl::Status Server::Serve(UniqueFd socket) {
  return ServeConnection(std::move(socket), "client", UniqueFd(), absl::InfiniteDuration());
}

absl::Status Server::ServeConnection(UniqueFd socket, std::string peer_name, UniqueFd parent_pidfd,
                                     absl::Duration handler_grace) {
  internal::ConnectionOptions connection_options;
  connection_options.max_message_size = options_.max_message_size;
  connection_options.memfd_threshold = options_.memfd_threshold;
  connection_options.busy_poll = options_.busy_poll;
  connection_options.peer_name = std::move(peer_name);
  if (parent_pidfd.valid()) {
    connection_options.peer_process = internal::PeerProcess{std::move(parent_pidfd), false};
  }
  {
    absl::MutexLock lock(&mu_);
    if (serving_) return absl::FailedPreconditionError("serve: the server is serving already");
    if (shut_down_) return absl::FailedPreconditionError("serve: the server was shut down");
    if (options_.max_threads < 2) {
      registration_error_.Update(absl::InvalidArgumentError(absl::StrCat(
          "server options: max_threads is ", options_.max_threads, ", at least 2 are needed")));
    }
    absl::Status busy_poll = internal::CheckBusyPollBudget(options_.busy_poll);
    if (!busy_poll.ok()) {
      registration_error_.Update(internal::Annotate(busy_poll, "server options"));
      connection_options.busy_poll = absl::ZeroDuration();  // the hello still goes out, to say so
    }
    serving_ = true;
    connection_options.setup_error = registration_error_;
  }
  absl::Status setup_error = connection_options.setup_error;
  absl::StatusOr<std::unique_ptr<internal::Connection>> connection =
      internal::Connection::Create(std::move(socket), std::move(connection_options));
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    serving_ = false;
    return internal::Annotate(connection.status(), "serve");
  }
  internal::Connection& started = **connection;
  absl::Status watchdog = started.EnableWatchdog();
  if (watchdog.ok()) watchdog = started.ReceiveWithoutSlice();
  if (!watchdog.ok()) {
    absl::MutexLock lock(&mu_);
    serving_ = false;
    return internal::Annotate(watchdog, "serve");
  }
  auto session = std::make_shared<internal::ServerSession>(*std::move(connection), routes_->routes,
                                                           options_.max_threads);
  // The hello tells the client about a setup error too; then there is nothing to serve.
  absl::Status status = internal::Annotate(started.Start(session.get()), "serve");
  if (status.ok() && setup_error.ok()) {
    bool shut_down;
    {
      absl::MutexLock lock(&mu_);
      session_ = session;
      shut_down = shut_down_;
    }
    if (shut_down) session->Shutdown(absl::Now());  // Shutdown came before session_ was set
    status = session->Run(handler_grace);
    if (status.code() == absl::StatusCode::kDeadlineExceeded) {
      // Handlers that ignore cancellation still use the session: keep it alive for the
      // _exit that follows, which ends their threads.
      new std::shared_ptr<internal::ServerSession>(session);
      status = absl::OkStatus();
    }
  }
  absl::MutexLock lock(&mu_);
  session_.reset();
  serving_ = false;
  return setup_error.ok() ? status : setup_error;
}

absl::Status Server::Start(UniqueFd socket) {
  {
    absl::MutexLock lock(&mu_);
    if (serving_ || started_.joinable()) {
      return absl::FailedPreconditionError("start: the server is serving already");
    }
  }
  started_ = std::thread(
      [this, socket = std::move(socket)]() mutable { started_result_ = Serve(std::move(socket)); });
  return absl::OkStatus();
}

absl::Status Server::Wait() {
  if (started_.joinable()) started_.join();
  return started_result_;
}

void Server::Shutdown(absl::Time deadline) {
  std::shared_ptr<internal::ServerSession> session;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    session = session_;
  }
  if (session != nullptr) session->Shutdown(deadline);
}

}  // namespace forkrpc
