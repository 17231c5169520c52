// SPDX-License-Identifier: GPL-2.0
#include "daemon/station.h"

#include <utility>

namespace mpwifi::daemon {

const char *stationStateName(StationState state)
{
	switch (state) {
	case StationState::Associating: return "associating";
	case StationState::Addressing: return "addressing";
	case StationState::Up: return "up";
	case StationState::Gone: return "gone";
	}
	return "?";
}

Station::Station(std::string ifname, MacAddr bssid, std::uint32_t table, Timeouts timeouts)
	: ifname_(std::move(ifname)), bssid_(bssid), table_(table), timeouts_(timeouts)
{
}

StationSteps Station::start()
{
	return {station_step::CreateInterface{}};
}

StationSteps Station::created(std::uint32_t ifindex)
{
	if (state_ != StationState::Associating || ifindex_)
		return {};
	ifindex_ = ifindex;
	joined_ = true;
	return {station_step::JoinAp{}, station_step::ArmDeadline{timeouts_.associate}};
}

StationSteps Station::associated(const MacAddr &bssid)
{
	if (state_ == StationState::Gone || !joined_)
		return {};
	if (bssid != bssid_)
		// pinned with bssid=: another AP means the pin did not hold
		return leave("associated with " + formatMac(bssid) + ", not " + formatMac(bssid_));
	if (state_ != StationState::Associating)
		return {};
	state_ = StationState::Addressing;
	dhcpRunning_ = true;
	return {station_step::StartDhcp{}, station_step::ArmDeadline{timeouts_.lease}};
}

StationSteps Station::disassociated()
{
	// While associating, wpa_supplicant's failed attempts are its own to
	// retry, within the deadline.
	if (state_ == StationState::Associating || state_ == StationState::Gone)
		return {};
	return leave("lost its AP " + formatMac(bssid_));
}

StationSteps Station::leased(const DhcpLease &lease)
{
	if (state_ != StationState::Addressing && state_ != StationState::Up)
		return {};
	if (state_ == StationState::Up && lease_ && lease_->address == lease.address &&
	    lease_->prefixLen == lease.prefixLen && lease_->routers == lease.routers) {
		lease_ = lease; // a renewal: the same routing
		return {};
	}
	StationSteps steps;
	unroute(routing_, steps); // IPv6's routing stands on its own
	lease_ = lease;
	routing_ = stationRouting(lease, ifindex_, table_);
	steps.push_back(station_step::AddRouting{*routing_});
	state_ = StationState::Up;
	return steps;
}

StationSteps Station::leaseLost()
{
	if (state_ != StationState::Up)
		return {};
	StationSteps steps;
	unroute(routing_, steps);
	lease_.reset();
	state_ = StationState::Addressing;
	steps.push_back(station_step::ArmDeadline{timeouts_.lease});
	return steps;
}

StationSteps Station::autoconfigured(const std::optional<Autoconf6> &conf)
{
	if ((state_ != StationState::Addressing && state_ != StationState::Up) || conf == autoconf6_)
		return {};
	StationSteps steps;
	unroute(routing6_, steps);
	autoconf6_ = conf;
	if (conf) {
		routing6_ = stationRouting6(*conf, ifindex_, table_);
		steps.push_back(station_step::AddRouting{*routing6_});
	}
	return steps;
}

StationSteps Station::deadline()
{
	switch (state_) {
	case StationState::Associating:
		return leave("no association with " + formatMac(bssid_) + " in " +
			     std::to_string(timeouts_.associate.count()) + " ms");
	case StationState::Addressing:
		return leave("no DHCP lease in " + std::to_string(timeouts_.lease.count()) + " ms");
	default: return {}; // armed before the state moved on
	}
}

StationSteps Station::failed(const std::string &why)
{
	return leave(why);
}

StationSteps Station::leave(const std::string &why)
{
	if (state_ == StationState::Gone)
		return {};
	StationSteps steps;
	unroute(steps);
	if (dhcpRunning_)
		steps.push_back(station_step::StopDhcp{});
	if (joined_)
		steps.push_back(station_step::LeaveAp{});
	if (ifindex_)
		steps.push_back(station_step::DeleteInterface{});
	dhcpRunning_ = joined_ = false;
	lease_.reset();
	leftBecause_ = why;
	state_ = StationState::Gone;
	return steps;
}

void Station::unroute(StationSteps &steps)
{
	unroute(routing_, steps);
	unroute(routing6_, steps);
	autoconf6_.reset();
}

void Station::unroute(std::optional<StationRouting> &routing, StationSteps &steps)
{
	if (!routing)
		return;
	steps.push_back(station_step::RemoveEndpoints{routing->address});
	steps.push_back(station_step::EndSubflows{routing->address});
	steps.push_back(station_step::RemoveRouting{*routing});
	routing.reset();
}

} // namespace mpwifi::daemon
