//go:build cgo

package main

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// chDB's query_stable_v2 runs clickhouse-local's main on argv and returns
// this result (chdb.h). The library is loaded with dlopen, so nothing links
// against it.
struct local_result_v2 {
	char *buf;
	size_t len;
	void *_vec;
	double elapsed;
	uint64_t rows_read;
	uint64_t bytes_read;
	char *error_message;
};

typedef struct local_result_v2 *(*query_v2_fn)(int, char **);
typedef void (*free_v2_fn)(struct local_result_v2 *);

static void *chdb_handle;
static query_v2_fn chdb_query_v2;
static free_v2_fn chdb_free_v2;

static const char *chdb_load(const char *path) {
	chdb_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!chdb_handle) return dlerror();
	chdb_query_v2 = (query_v2_fn)dlsym(chdb_handle, "query_stable_v2");
	chdb_free_v2 = (free_v2_fn)dlsym(chdb_handle, "free_result_v2");
	if (!chdb_query_v2 || !chdb_free_v2)
		return "libchdb.so lacks query_stable_v2 or free_result_v2";
	return NULL;
}

// chdb_run runs argv and returns a copy of the error message (NULL when
// the run ended without one); the caller frees it.
static char *chdb_run(int argc, char **argv, int *failed) {
	struct local_result_v2 *r = chdb_query_v2(argc, argv);
	*failed = 1;
	if (!r) return NULL;
	char *msg = NULL;
	if (r->error_message) {
		size_t n = 0;
		while (r->error_message[n]) n++;
		msg = malloc(n + 1);
		for (size_t i = 0; i <= n; i++) msg[i] = r->error_message[i];
	} else {
		*failed = 0;
	}
	chdb_free_v2(r);
	return msg;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// load dlopens libchdb.so at path.
func load(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.chdb_load(cpath); msg != nil {
		return fmt.Errorf("loading %s: %s", path, C.GoString(msg))
	}
	return nil
}

// run runs clickhouse-local's main with args (args[0] is the program
// name) and returns when it ends, with its error.
func run(args []string) error {
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	var failed C.int
	// argv is Go memory holding C pointers: allowed by the cgo rules.
	msg := C.chdb_run(C.int(len(argv)), (**C.char)(unsafe.Pointer(&argv[0])), &failed)
	if msg != nil {
		defer C.free(unsafe.Pointer(msg))
		return errors.New(C.GoString(msg))
	}
	if failed != 0 {
		return errors.New("query_stable_v2 returned no result")
	}
	// KILL QUERY ends it so: clickhouse-local prints "Query was
	// cancelled" to stderr, and the result has no error message.
	return errors.New("the keep-alive query ended without an error message (killed by KILL QUERY?)")
}
