// SPDX-License-Identifier: GPL-2.0
// Text and JSON output.  Each object type has one table of fields; both
// formats are produced from it, so a field cannot appear in one and be
// forgotten in the other.
#pragma once

#include <ostream>
#include <span>

#include <nlohmann/json.hpp>

#include "mpwifi/types.h"

namespace mpwifi::cli {

struct OutputFormat {
	bool json = false;
	bool pretty = false; // indented JSON
};

using Json = nlohmann::ordered_json;

// One JSON object, keys in table order.
[[nodiscard]] Json toJson(const ApStats &ap);
[[nodiscard]] Json toJson(const Config &config);
[[nodiscard]] Json toJson(const EcnConfig &ecn);
[[nodiscard]] Json toJson(const ApEvent &event);
[[nodiscard]] Json toJson(const InterfaceTrust &trust);
[[nodiscard]] Json toJson(const PeerTrust &peer);
[[nodiscard]] Json toJson(const Policy &policy);

// Text: a table with a header row.  JSON: an array of objects.
void printAps(std::ostream &out, std::span<const ApStats> aps, OutputFormat format);
// One refresh of `ap watch -j`: {"t_ns": CLOCK_MONOTONIC of the dump, "aps": [...]},
// on one line unless pretty.
void printApSample(std::ostream &out, std::int64_t monotonicNs, std::span<const ApStats> aps, OutputFormat format);
// Text: "name value" pairs on one line.  JSON: one object.
void printConfig(std::ostream &out, const Config &config, OutputFormat format);
// Text: one "name value" line per setting.  JSON: one object.
void printEcn(std::ostream &out, const EcnConfig &ecn, OutputFormat format);
// Text: a table (IFNAME IFINDEX LEVEL SOURCE).  JSON: an array of objects.
void printTrust(std::ostream &out, std::span<const InterfaceTrust> interfaces, OutputFormat format);
// Text: a table (PREFIX LEVEL).  JSON: an array of objects.
void printPeers(std::ostream &out, std::span<const PeerTrust> peers, OutputFormat format);
// Text: one "name value" line per setting and counter.  JSON: one object.
void printPolicy(std::ostream &out, const Policy &policy, OutputFormat format);
// One line per event, flushed: "ap-new ifname ..." or one JSON object.
void printEvent(std::ostream &out, const ApEvent &event, OutputFormat format);

} // namespace mpwifi::cli
