#include "forkrpc/channel.h"

#include <utility>

#include "forkrpc/internal/socket_channel.h"

namespace forkrpc {

absl::StatusOr<std::shared_ptr<Channel>> Channel::Create(UniqueFd socket, ChannelOptions options) {
  absl::StatusOr<std::shared_ptr<internal::SocketChannel>> channel =
      internal::SocketChannel::Create(std::move(socket), std::move(options), std::nullopt);
  if (!channel.ok()) return channel.status();
  return std::shared_ptr<Channel>(*std::move(channel));
}

}  // namespace forkrpc
