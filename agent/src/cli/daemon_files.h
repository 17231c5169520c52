// SPDX-License-Identifier: GPL-2.0
// What a running daemon publishes under its run directory (/run/mpwifi, or
// $MPWIFI_RUN_DIR): the AP manager's stations and the steering state.  A
// file left by a daemon that is gone reads as nothing.
#pragma once

#include <optional>
#include <vector>

#include "daemon/manager_state.h"
#include "daemon/steering.h"

namespace mpwifi::cli {

[[nodiscard]] std::vector<daemon::ManagedInterface> managerState();
[[nodiscard]] std::optional<daemon::SteeringState> steeringState();

} // namespace mpwifi::cli
