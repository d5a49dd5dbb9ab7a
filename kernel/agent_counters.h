/* The namespace TCP counters the traffic agent records, by the names Linux gives them in
 * /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp); the tests check the names on this kernel. */
#ifndef KERNEL_AGENT_COUNTERS_H
#define KERNEL_AGENT_COUNTERS_H

/* DelayedACKs counts delayed-ACK timer firings (tcp_delack_timer_handler), DelayedACKLost the
 * duplicate segments that put the receiver in quick-ACK mode (tcp_send_dupack): Linux gives
 * these two no "TCP" prefix. */
static const char *const agent_counter_names[] = {
    "TCPTimeouts", "TCPSpuriousRTOs", "TCPLossProbes", "TCPLossProbeRecovery", "TCPLossUndo", "TCPFullUndo",
    "TCPPartialUndo", "TCPDSACKUndo", "TCPSlowStartRetrans", "TCPLostRetransmit", "TCPSackRecovery",
    "TCPRenoRecovery", "TCPFastRetrans", "TCPRenoFailures", "TCPSackFailures", "DelayedACKs", "DelayedACKLost",
    "TCPSACKReneging", "TCPDSACKRecv", "TCPDSACKOldSent", "TCPSackRecoveryFail", "TCPRenoRecoveryFail",
    "TCPSpuriousRtxHostQueues", "TCPAutoCorking", "TCPOFOQueue", "TCPRcvQDrop", "TCPWantZeroWindowAdv",
    "TCPTSReorder", "TCPSACKReorder", "TCPRenoReorder", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv",
    "TCPRcvCoalesce", "TCPBacklogCoalesce", "TCPAbortOnTimeout", "TCPAckCompressed", "OutSegs", "RetransSegs", "InSegs", NULL };

#endif
