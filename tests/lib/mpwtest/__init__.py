"""mpwtest: the library the VM tests, the test tools and the bench drivers share.

A test is tests/vm/test_NAME.py; it puts <repo>/tests/lib on sys.path and imports from here:
paths (where things are), ksft (checks and the test's entry), proc (commands and background processes
with cleanup), kmod (the module), cli (the mpwifi CLI), capture (tcpdump), vm (the host side: booting a
test VM), world (the emulated WiFi world), traffic (iperf3 servers and downloads, interface
counters), pathsim (the veth two-path world), genl (the mpwifi family).
"""
