// SPDX-License-Identifier: GPL-2.0
#include "netlink/attributes.h"

#include <algorithm>
#include <cstring>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "netlink/error.h"

namespace mpwifi::netlink {

namespace {

std::size_t fixedSize(AttrKind kind)
{
	switch (kind) {
	case AttrKind::U8: return 1;
	case AttrKind::U16: return 2;
	case AttrKind::U32: return 4;
	case AttrKind::U64: return 8;
	default: return 0;
	}
}

const std::uint8_t *payload(const nlattr &nla)
{
	return static_cast<const std::uint8_t *>(nla_data(&nla));
}

std::size_t payloadLen(const nlattr &nla)
{
	return static_cast<std::size_t>(nla_len(&nla));
}

} // namespace

Attrs::Attrs(const void *data, std::size_t len, std::span<const AttrRule> rules, std::string where)
	: rules_(rules), where_(std::move(where))
{
	int maxType = 0;
	for (const AttrRule &r : rules_)
		maxType = std::max(maxType, r.type);
	table_.assign(static_cast<std::size_t>(maxType) + 1, nullptr);

	if (len > static_cast<std::size_t>(INT32_MAX))
		throw ParseError(where_ + ": attributes too long");
	int remaining = static_cast<int>(len);
	const auto *nla = static_cast<const nlattr *>(data);
	for (; nla_ok(nla, remaining); nla = nla_next(nla, &remaining)) {
		const int type = nla_type(nla);
		const AttrRule *r = rule(type);
		if (!r)
			continue;

		const std::size_t got = payloadLen(*nla);
		const std::size_t size = fixedSize(r->kind);
		if (size && got != size)
			throw ParseError(describe(type) + ": " + std::to_string(got) + " bytes, expected " +
					 std::to_string(size));
		if (r->kind == AttrKind::Binary && got != r->len)
			throw ParseError(describe(type) + ": " + std::to_string(got) + " bytes, expected " +
					 std::to_string(r->len));
		if (r->kind == AttrKind::Bytes && r->len && got > r->len)
			throw ParseError(describe(type) + ": " + std::to_string(got) + " bytes, at most " +
					 std::to_string(r->len) + " expected");
		if (r->kind == AttrKind::String && r->len &&
		    ::strnlen(reinterpret_cast<const char *>(payload(*nla)), got) >= r->len)
			throw ParseError(describe(type) + ": longer than " + std::to_string(r->len - 1) +
					 " characters");
		table_[static_cast<std::size_t>(type)] = nla;
	}
	if (remaining > 0)
		throw ParseError(where_ + ": truncated attribute (" + std::to_string(remaining) +
				 " bytes left over)");

	for (const AttrRule &r : rules_)
		if (r.required && !table_[static_cast<std::size_t>(r.type)])
			throw ParseError(describe(r.type) + ": missing");
}

namespace {

constexpr std::size_t kGenlHeaders = NLMSG_HDRLEN + GENL_HDRLEN;

const std::uint8_t *genlPayload(const nlmsghdr &msg, const std::string &where)
{
	if (msg.nlmsg_len < kGenlHeaders)
		throw ParseError(where + ": " + std::to_string(msg.nlmsg_len) +
				 " bytes, shorter than the netlink and genetlink headers");
	return reinterpret_cast<const std::uint8_t *>(&msg) + NLMSG_HDRLEN;
}

} // namespace

std::uint8_t genlCommand(const nlmsghdr &msg)
{
	genlmsghdr genl;
	std::memcpy(&genl, genlPayload(msg, "generic netlink message"), sizeof(genl));
	return genl.cmd;
}

Attrs Attrs::ofGenl(const nlmsghdr &msg, std::span<const AttrRule> rules, std::string where)
{
	const std::uint8_t *attrs = genlPayload(msg, where) + GENL_HDRLEN;
	return Attrs(attrs, msg.nlmsg_len - kGenlHeaders, rules, std::move(where));
}

Attrs Attrs::nested(int type, std::span<const AttrRule> rules) const
{
	const nlattr &nest = get(type);
	return Attrs(payload(nest), payloadLen(nest), rules, describe(type));
}

namespace {

// Calls @onAttr for every attribute of a nest's payload; ParseError when
// bytes are left over.
template <typename F>
void forEachIn(const nlattr &nest, const std::string &where, F &&onAttr)
{
	int remaining = static_cast<int>(payloadLen(nest));
	const auto *nla = static_cast<const nlattr *>(nla_data(&nest));
	for (; nla_ok(nla, remaining); nla = nla_next(nla, &remaining))
		onAttr(*nla);
	if (remaining > 0)
		throw ParseError(where + ": truncated attribute (" + std::to_string(remaining) +
				 " bytes left over)");
}

} // namespace

std::vector<Attrs> Attrs::nestedArray(int type, std::span<const AttrRule> rules) const
{
	const std::string where = describe(type);
	std::vector<Attrs> entries;
	forEachIn(get(type), where, [&](const nlattr &entry) {
		entries.emplace_back(payload(entry), payloadLen(entry), rules,
				     where + "[" + std::to_string(entries.size()) + "]");
	});
	return entries;
}

std::vector<int> Attrs::nestedTypes(int type) const
{
	std::vector<int> types;
	forEachIn(get(type), describe(type), [&](const nlattr &flag) { types.push_back(nla_type(&flag)); });
	return types;
}

bool Attrs::has(int type) const
{
	return type >= 0 && static_cast<std::size_t>(type) < table_.size() &&
	       table_[static_cast<std::size_t>(type)];
}

const nlattr &Attrs::get(int type) const
{
	if (!has(type))
		throw ParseError(describe(type) + ": missing");
	return *table_[static_cast<std::size_t>(type)];
}

const AttrRule *Attrs::rule(int type) const
{
	auto it = std::find_if(rules_.begin(), rules_.end(), [type](const AttrRule &r) { return r.type == type; });
	return it == rules_.end() ? nullptr : &*it;
}

std::string Attrs::describe(int type) const
{
	const AttrRule *r = rule(type);
	return where_ + ": " + (r ? std::string(r->name) : "attribute " + std::to_string(type));
}

template <typename T>
T Attrs::fixed(int type) const
{
	const nlattr &nla = get(type);
	if (payloadLen(nla) != sizeof(T)) // a rule of another kind: caller bug
		throw ParseError(describe(type) + ": read as " + std::to_string(sizeof(T)) + " bytes");
	T value;
	std::memcpy(&value, payload(nla), sizeof(value)); // may be unaligned
	return value;
}

std::uint8_t Attrs::u8(int type) const
{
	return fixed<std::uint8_t>(type);
}

std::uint16_t Attrs::u16(int type) const
{
	return fixed<std::uint16_t>(type);
}

std::uint32_t Attrs::u32(int type) const
{
	return fixed<std::uint32_t>(type);
}

std::uint64_t Attrs::u64(int type) const
{
	return fixed<std::uint64_t>(type);
}

std::string Attrs::string(int type) const
{
	const nlattr &nla = get(type);
	const char *s = reinterpret_cast<const char *>(payload(nla));
	return std::string(s, ::strnlen(s, payloadLen(nla)));
}

std::span<const std::uint8_t> Attrs::binary(int type) const
{
	const nlattr &nla = get(type);
	return {payload(nla), payloadLen(nla)};
}

} // namespace mpwifi::netlink
