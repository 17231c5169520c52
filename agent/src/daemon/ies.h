// SPDX-License-Identifier: GPL-2.0
// The information elements of a beacon or probe response, split.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace mpwifi::daemon {

// A malformed information element.
class IeError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct Element {
	std::uint8_t id;
	std::span<const std::uint8_t> body; // points into the elements given
};

// Element ID Extension (255): the body starts with the extension's id.
constexpr std::uint8_t kEidExtension = 255;

// Every element of @ies in order.  Throws IeError when the last one is
// truncated.
[[nodiscard]] std::vector<Element> elements(std::span<const std::uint8_t> ies);

} // namespace mpwifi::daemon
