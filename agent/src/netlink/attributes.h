// SPDX-License-Identifier: GPL-2.0
// Validated access to the netlink attributes of a received message.
//
// Like a kernel nla_policy, but strict where the kernel is the sender:
// fixed-size types must have exactly their size, binary attributes their
// declared length, and required attributes must be there.  Attributes with no
// rule are skipped, so a newer kernel may add some.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct nlattr;
struct nlmsghdr;

namespace mpwifi::netlink {

enum class AttrKind { U8, U16, U32, U64, String, Binary, Bytes, Nested };

constexpr bool kRequired = true;
constexpr bool kOptional = false;

struct AttrRule {
	int type;
	const char *name; // in error messages
	AttrKind kind;
	bool required;
	// Binary: exact length.  Bytes: maximum length (0: any).  String: maximum
	// length including the NUL.
	std::size_t len = 0;
};

// A rule named after its attribute constant: MPW_ATTR_RULE(NL80211_ATTR_BSS, AttrKind::Nested, kRequired).
#define MPW_ATTR_RULE(type, ...) ::mpwifi::netlink::AttrRule{type, #type, __VA_ARGS__}

// Points into the message: must not outlive it.
class Attrs {
public:
	// Validates the attribute stream [data, data + len) against @rules;
	// @where names the message or nest in errors.  Throws ParseError.
	Attrs(const void *data, std::size_t len, std::span<const AttrRule> rules, std::string where);

	// The attributes after the generic netlink header of @msg.
	static Attrs ofGenl(const nlmsghdr &msg, std::span<const AttrRule> rules, std::string where);

	// The attributes inside nest @type (which must be present).
	[[nodiscard]] Attrs nested(int type, std::span<const AttrRule> rules) const;
	// The entries of nest @type (which must be present) when it is an
	// array: every attribute inside is itself a nest, whatever its type
	// (nl80211 numbers them from 1), validated against @rules.
	[[nodiscard]] std::vector<Attrs> nestedArray(int type, std::span<const AttrRule> rules) const;
	// The types of the attributes inside nest @type (which must be
	// present), in order: a set of flags, as nl80211 lists interface types.
	[[nodiscard]] std::vector<int> nestedTypes(int type) const;

	[[nodiscard]] bool has(int type) const;
	[[nodiscard]] std::uint8_t u8(int type) const;
	[[nodiscard]] std::uint16_t u16(int type) const;
	[[nodiscard]] std::uint32_t u32(int type) const;
	[[nodiscard]] std::uint64_t u64(int type) const;
	// Up to the first NUL, if any.
	[[nodiscard]] std::string string(int type) const;
	[[nodiscard]] std::span<const std::uint8_t> binary(int type) const;

private:
	[[nodiscard]] const nlattr &get(int type) const;
	template <typename T>
	[[nodiscard]] T fixed(int type) const;
	[[nodiscard]] const AttrRule *rule(int type) const;
	[[nodiscard]] std::string describe(int type) const;

	std::span<const AttrRule> rules_;
	std::vector<const nlattr *> table_; // by type
	std::string where_;
};

// The command of a generic netlink message; ParseError if it is too short.
[[nodiscard]] std::uint8_t genlCommand(const nlmsghdr &msg);

} // namespace mpwifi::netlink
