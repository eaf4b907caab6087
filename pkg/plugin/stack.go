package plugin

// growStack makes the calling goroutine's stack big enough for a whole
// query in one step, while the stack is still shallow.
//
// gRPC runs every call on a new goroutine, whose stack starts at 8 KiB. A
// query goes deep (middlewares, the SDK's instance lookup, the planner, the
// engine, the Arrow encoder), so the runtime grows that stack several times
// as the call descends, each time copying the frames already on it and
// adjusting their pointers, deeper and dearer each time. Profiled over
// gRPC, that copying was about 45 µs of CPU per SELECT 1. One frame of
// stackReserve bytes at the top makes the runtime grow the stack once,
// straight to a size that holds the rest of the call, and with almost
// nothing on it to copy.
//
//go:noinline
func growStack() byte {
	var reserve [stackReserve]byte
	return touch(reserve[:])
}

// stackReserve is the frame growStack takes: the stack then grows to 64 KiB.
// 16 KiB (a 32 KiB stack) left some of the copying in place; 64 KiB did no
// better than 32 KiB.
const stackReserve = 32 << 10

// touch keeps the reserve frame from being optimised away.
//
//go:noinline
func touch(b []byte) byte { return b[len(b)-1] }
