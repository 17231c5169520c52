// A struct mpw_rate from its fields, for the math tests.
#pragma once

#include <mpwifi/rate.h>

inline mpw_rate Rate(u8 phy, u8 mcs, u8 nss, u8 bw, u8 gi, u32 legacy_kbps = 0)
{
	mpw_rate r{};
	r.phy = phy;
	r.mcs = mcs;
	r.nss = nss;
	r.bw = bw;
	r.gi = gi;
	r.legacy_kbps = legacy_kbps;
	return r;
}
