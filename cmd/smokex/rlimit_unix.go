//go:build unix

package main

import "syscall"

// openFileLimit is the number of files the process may hold open
// (RLIMIT_NOFILE's soft limit, which Go raises to the hard one at start),
// 0 when unknown.
func openFileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0
	}
	return uint64(lim.Cur)
}
