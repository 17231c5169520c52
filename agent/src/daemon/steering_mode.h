// SPDX-License-Identifier: GPL-2.0
// What `mpwifi daemon --steering` asks for (daemon/steering.h).
#pragma once

#include <optional>
#include <string_view>

namespace mpwifi::daemon {

enum class SteeringMode {
	Off,      // no marks, priorities left alone
	Ecn,      // the module's marks only
	Priority, // subflow priority only
	Both,     // marks on regular subflows, priority where marks cannot do enough
};

[[nodiscard]] std::optional<SteeringMode> steeringModeFromName(std::string_view name);
[[nodiscard]] std::string_view steeringModeName(SteeringMode mode);
[[nodiscard]] inline bool marks(SteeringMode mode) { return mode == SteeringMode::Ecn || mode == SteeringMode::Both; }
[[nodiscard]] inline bool prioritizes(SteeringMode mode)
{
	return mode == SteeringMode::Priority || mode == SteeringMode::Both;
}

} // namespace mpwifi::daemon
