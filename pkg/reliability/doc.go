// Package reliability holds Quarry's reliability suite: tests that run the
// built plugin binary over Grafana's gRPC plugin protocol (pkg/harness)
// against the real engines and check what happens when things go wrong.
//
//   - Faults: a database server killed in the middle of a streaming query,
//     restarted, or stopped; the plugin reports a downstream error, stays up
//     and answers the next query without a restart. These run on private
//     service instances (Private), never on the shared ones.
//   - Pools: more concurrent queries than connections.
//   - Cancellation: a cancelled or timed-out query leaves nothing running on
//     the server.
//   - Hostile input: the corpus under testdata/hostile/ on every engine.
//   - Load: BenchmarkLoad (scripts/load.sh), figures only, no timed assertion.
//
// The only non-test code is Private, which drives scripts/services.sh for a
// private instance.
package reliability
