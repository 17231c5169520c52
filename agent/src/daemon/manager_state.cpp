// SPDX-License-Identifier: GPL-2.0
#include "daemon/manager_state.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

#include <arpa/inet.h>
#include <net/if.h>

namespace mpwifi::daemon {

namespace {

constexpr std::array<std::string_view, 5> kStates = {"scanning", "associating", "addressing", "up", "leaving"};

std::vector<std::string_view> words(std::string_view line)
{
	std::vector<std::string_view> out;
	while (!line.empty()) {
		const std::size_t start = line.find_first_not_of(" \t");
		if (start == std::string_view::npos)
			break;
		line.remove_prefix(start);
		const std::size_t end = std::min(line.find_first_of(" \t"), line.size());
		out.push_back(line.substr(0, end));
		line.remove_prefix(end);
	}
	return out;
}

bool isIpv4(std::string_view text)
{
	in_addr addr{};
	return text.size() < INET_ADDRSTRLEN && inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

} // namespace

std::string formatManagerState(const ManagerState &state)
{
	std::ostringstream out;
	out << "mpwifi-daemon " << state.pid << '\n';
	for (const ManagedInterface &i : state.interfaces) {
		out << i.ifname << ' ' << i.state;
		for (const std::string &dns : i.dns)
			out << ' ' << dns;
		out << '\n';
	}
	return out.str();
}

ManagerState parseManagerState(std::string_view text)
{
	ManagerState state;
	bool first = true;
	while (!text.empty()) {
		const std::size_t nl = text.find('\n');
		const std::vector<std::string_view> w = words(text.substr(0, nl));
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		if (first && w.size() == 2 && w[0] == "mpwifi-daemon") {
			int pid = 0;
			const auto [end, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), pid);
			if (ec == std::errc() && end == w[1].data() + w[1].size() && pid > 0)
				state.pid = pid;
			first = false;
			continue;
		}
		first = false;
		if (w.size() < 2 || w[0].size() >= IFNAMSIZ || std::find(kStates.begin(), kStates.end(), w[1]) == kStates.end() ||
		    !std::all_of(w.begin() + 2, w.end(), isIpv4))
			continue;
		ManagedInterface i{.ifname = std::string(w[0]), .state = std::string(w[1]), .dns = {}};
		for (auto it = w.begin() + 2; it != w.end(); ++it)
			i.dns.emplace_back(*it);
		state.interfaces.push_back(std::move(i));
	}
	return state;
}

} // namespace mpwifi::daemon
