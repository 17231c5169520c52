/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mpwifi: per-AP WiFi packet time, ECN steering and trusted subflows for
 * Multipath TCP.  This is the only interface between the kernel module and
 * userspace: a generic netlink family, and the values applications pass to
 * the socket API.
 *
 * The family "mpwifi" is specified by include/uapi/linux/mpwifi.yaml (every
 * command, attribute and enum with its meaning); its constants are generated
 * from there into <linux/mpwifi_genl.h>, included here.  Namespace-aware: a
 * socket sees and changes only the interfaces of its own network namespace.
 * Setters need CAP_NET_ADMIN in the namespace's user namespace.
 */
#ifndef _UAPI_LINUX_MPWIFI_H
#define _UAPI_LINUX_MPWIFI_H

#include "mpwifi_genl.h"	/* generated from mpwifi.yaml */

/*
 * MPTCP_TRUSTED: a send(2)/sendto(2)/sendmsg(2) flag for MPTCP sockets.  The
 * bytes of such a call travel only on trusted subflows; when none can take
 * them they wait (and are sent as soon as one can), they are never put on
 * an untrusted one.  Other data keeps using every subflow.
 *
 * The bit is unused by every MSG_* flag of Linux 6.1 and of mainline up to
 * 6.18, where flags were added from the top down (0x2000000 became
 * MSG_SOCK_DEVMEM in 6.12; 0x10000000 has been proposed twice).  It is not
 * one of the internal flags the syscall layer strips
 * (MSG_INTERNAL_SENDMSG_FLAGS), and TCP and UDP ignore it.  A kernel without the module loaded ignores it
 * too: check MPWIFI_TRUSTED_STATUS_PATH first.
 *
 * A call with MPTCP_TRUSTED fails, sending nothing, with
 *   EOPNOTSUPP   when enforcement is unavailable (see the status file) or
 *                switched off for the namespace;
 *   ENETUNREACH  when the connection fell back to plain TCP over an
 *                untrusted path, so no trusted subflow can ever exist;
 *   ENOBUFS      when the per-connection range table cannot be allocated.
 */
#define MPTCP_TRUSTED		0x800000

/*
 * Reads "available\n", or "unavailable: <reason>\n", while the module is
 * loaded; missing otherwise.  Per namespace, MPWIFI_POLICY_ATTR_TRUSTED_SCHED
 * can also switch enforcement off.
 */
#define MPWIFI_TRUSTED_STATUS_PATH	"/sys/module/mpwifi/parameters/trusted_status"

#endif /* _UAPI_LINUX_MPWIFI_H */
