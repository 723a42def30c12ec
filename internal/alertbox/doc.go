// Package alertbox keeps alert deliveries owed to targets in the memory of
// a process: the outbox of the memory store (storage/memory) and of an
// alert policy without a store (notify), with the checks every outbox
// makes of what it is given.
package alertbox
