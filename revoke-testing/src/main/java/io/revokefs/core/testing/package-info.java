/**
 * The reference device: {@link io.revokefs.core.testing.TestDriver}, a small MMIO device driver with
 * every operation of {@link io.revokefs.kernel.FileOperations} and
 * {@link io.revokefs.kernel.VmOperations} (blocking reads, poll, faults that install PFNs, an
 * enable flag checked under the page table lock), and {@link io.revokefs.core.testing.Sim}, a kernel
 * with one such device registered as a revocable object. The core's tests, the conformance suite's
 * {@code core-test} column, the race cases of revoke-explore and {@code revokefs explore} are
 * built on it; an adapter author can use it to try the library before writing a driver. It is
 * shipped in the main artifact, not the test-jar, so that tools which run the race cases need no
 * test classes.
 */
package io.revokefs.core.testing;
