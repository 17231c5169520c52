// SPDX-License-Identifier: GPL-2.0
// One object of the command line ("ap", "trust"...), in the manner of
// iproute2's ip/ip*.c: its file parses the object's words into a Command and
// runs that command, from the request to the output.  A new object is one
// new file and one line of objects().
#pragma once

#include <optional>
#include <span>
#include <string>

#include "cli/command.h"
#include "cli/parse.h"
#include "cli/run.h"
#include "mpwifi/client.h"

namespace mpwifi::cli {

// A command of an object and its name in messages ("trust peer add").
struct Verb {
	Command::Action action;
	const char *name;
};

struct Object {
	const char *name;
	const char *synopsis;      // its lines of the usage text
	std::span<const Verb> verbs;
	bool needsTrust;           // its commands exist only in a module with trust support
	void (*parse)(Command &cmd, Tokens words);
	// Returns the exit status; errors are thrown.
	int (*run)(const Command &cmd, const Io &io);
};

extern const Object apObject;
extern const Object configObject;
extern const Object ecnObject;
extern const Object monitorObject;
extern const Object trustObject;
extern const Object policyObject;
extern const Object daemonObject;
extern const Object wifiObject;
extern const Object steeringObject;

// Every object, in the order of the usage text.
[[nodiscard]] std::span<const Object *const> objects();
// The object @action belongs to; none for help and version.
[[nodiscard]] const Object *objectOf(Command::Action action);

// The interface named by "dev IFNAME" (or IFACE); throws DeviceNotFound.
class DeviceNotFound : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};
[[nodiscard]] std::optional<std::uint32_t> resolveDev(const Command &cmd);

} // namespace mpwifi::cli
