// SPDX-License-Identifier: GPL-2.0
#include "daemon/ies.h"

#include <string>

namespace mpwifi::daemon {

std::vector<Element> elements(std::span<const std::uint8_t> ies)
{
	std::vector<Element> out;
	std::size_t pos = 0;
	while (pos < ies.size()) {
		if (ies.size() - pos < 2)
			throw IeError("information elements truncated (1 byte left)");
		const std::uint8_t id = ies[pos];
		const std::size_t len = ies[pos + 1];
		if (ies.size() - pos - 2 < len)
			throw IeError("information element " + std::to_string(id) + " truncated (" + std::to_string(len) +
				      " bytes announced, " + std::to_string(ies.size() - pos - 2) + " present)");
		out.push_back({id, ies.subspan(pos + 2, len)});
		pos += 2 + len;
	}
	return out;
}

} // namespace mpwifi::daemon
