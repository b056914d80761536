# Guest half of tests/e2e/test-launcher.sh: a guest started by "vunet start".
#
# Sourced by /init once eth0 is up.  Reports one check, dhcp_lease: the
# backend vunet started gives this guest a DHCPv4 lease with the address
# the host expects (e2e_addr4).  Then, when e2e_stay=S is given, the guest
# stays up for at most S seconds (capped at 300) so the host can list,
# shut down or destroy it; otherwise /init resets the machine at once,
# which ends QEMU (the domain runs with <on_reboot>destroy</on_reboot>).

e2e_check_lease
e2e_stay
