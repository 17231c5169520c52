// SPDX-License-Identifier: GPL-2.0
// The wire format of the "mpwifi" generic netlink family, both ways.
//
// Parsers take one received message and validate it (see netlink/attributes.h):
// a required attribute missing or of the wrong size throws ParseError,
// attributes this version does not know are ignored.
#pragma once

#include <cstdint>
#include <optional>

#include "mpwifi/types.h"
#include "netlink/genl_socket.h"

struct nlmsghdr;

namespace mpwifi {

// A reply of the MPWIFI_CMD_AP_GET dump.
[[nodiscard]] ApStats parseApStats(const nlmsghdr &msg);
// The reply to MPWIFI_CMD_CONFIG_GET.
[[nodiscard]] Config parseConfig(const nlmsghdr &msg);
// The reply to MPWIFI_CMD_ECN_GET; a law this version does not know is a
// ParseError that names it.
[[nodiscard]] EcnConfig parseEcn(const nlmsghdr &msg);
// A reply of the MPWIFI_CMD_TRUST_GET dump.
[[nodiscard]] InterfaceTrust parseTrust(const nlmsghdr &msg);
// A reply of the MPWIFI_CMD_PEER_GET dump.
[[nodiscard]] PeerTrust parsePeer(const nlmsghdr &msg);
// The reply to MPWIFI_CMD_POLICY_GET.
[[nodiscard]] Policy parsePolicy(const nlmsghdr &msg);
// MPWIFI_EVENT_TRUST; empty for any other event.
[[nodiscard]] std::optional<InterfaceTrust> parseTrustEvent(const nlmsghdr &msg);
// A message of the events group; empty for an event this version does not
// know (and for trust events: see parseTrustEvent()).
[[nodiscard]] std::optional<ApEvent> parseEvent(const nlmsghdr &msg);

// Requests to @family (its resolved id).
[[nodiscard]] netlink::MsgPtr apGetRequest(int family, std::optional<std::uint32_t> ifindex);
[[nodiscard]] netlink::MsgPtr apFlushRequest(int family, std::optional<std::uint32_t> ifindex);
[[nodiscard]] netlink::MsgPtr configGetRequest(int family);
[[nodiscard]] netlink::MsgPtr configSetRequest(int family, const ConfigUpdate &update);
[[nodiscard]] netlink::MsgPtr ecnGetRequest(int family);
[[nodiscard]] netlink::MsgPtr ecnSetRequest(int family, const EcnUpdate &update);
[[nodiscard]] netlink::MsgPtr trustGetRequest(int family, std::optional<std::uint32_t> ifindex);
[[nodiscard]] netlink::MsgPtr trustSetRequest(int family, const TrustUpdate &update);
[[nodiscard]] netlink::MsgPtr peerGetRequest(int family);
[[nodiscard]] netlink::MsgPtr peerAddRequest(int family, const PeerTrust &peer);
[[nodiscard]] netlink::MsgPtr peerDelRequest(int family, const IpPrefix &prefix);
[[nodiscard]] netlink::MsgPtr policyGetRequest(int family);
[[nodiscard]] netlink::MsgPtr policySetRequest(int family, const PolicyUpdate &update);

} // namespace mpwifi
