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
 * an untrusted one.  Other data keeps using every subflow.  On a plain TCP
 * socket (or an MPTCP connection that fell back to TCP) the call is sent
 * only when the socket's path is trusted, and the socket's packets never
 * leave through an untrusted interface afterwards.
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
 *   ENETUNREACH  when the socket is plain TCP (or fell back to it) and its
 *                path is untrusted;
 *   ENOTCONN     when its data would go in a SYN (TCP Fast Open), or the
 *                socket is not connected; before the connection is
 *                established a trusted send waits like any send;
 *   ENOBUFS      over a limit on trusted connections or ranges (the
 *                module's max_trusted_* parameters), or out of memory.
 */
#define MPTCP_TRUSTED		0x800000

/*
 * Reads "available\n", or "unavailable: <reason>\n", while the module is
 * loaded; missing otherwise.  Per namespace, MPWIFI_POLICY_ATTR_TRUSTED_SCHED
 * can also switch enforcement off.
 */
#define MPWIFI_TRUSTED_STATUS_PATH	"/sys/module/mpwifi/parameters/trusted_status"

#endif /* _UAPI_LINUX_MPWIFI_H */
