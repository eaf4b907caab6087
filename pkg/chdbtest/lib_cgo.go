//go:build cgo

package chdbtest

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// The subset of chDB's C API (chdb.h) this package calls. The handles are
// opaque; the library is loaded with dlopen, so nothing links against it.
typedef void *chdb_connection_p;
typedef void *chdb_result_p;

typedef chdb_connection_p *(*connect_fn)(int, char **);
typedef void (*close_conn_fn)(chdb_connection_p *);
typedef chdb_result_p (*query_fn)(chdb_connection_p, const char *, const char *);
typedef void (*destroy_fn)(chdb_result_p);
typedef char *(*buffer_fn)(chdb_result_p);
typedef size_t (*length_fn)(chdb_result_p);
typedef const char *(*error_fn)(chdb_result_p);

typedef struct {
	void *handle;
	connect_fn connect;
	close_conn_fn close_conn;
	query_fn query;
	destroy_fn destroy;
	buffer_fn buffer;
	length_fn length;
	error_fn error;
} chdb_api;

static const char *chdb_load(const char *path, chdb_api *api) {
	api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) return dlerror();
	api->connect = (connect_fn)dlsym(api->handle, "chdb_connect");
	api->close_conn = (close_conn_fn)dlsym(api->handle, "chdb_close_conn");
	api->query = (query_fn)dlsym(api->handle, "chdb_query");
	api->destroy = (destroy_fn)dlsym(api->handle, "chdb_destroy_query_result");
	api->buffer = (buffer_fn)dlsym(api->handle, "chdb_result_buffer");
	api->length = (length_fn)dlsym(api->handle, "chdb_result_length");
	api->error = (error_fn)dlsym(api->handle, "chdb_result_error");
	if (!api->connect || !api->close_conn || !api->query || !api->destroy || !api->buffer || !api->length || !api->error)
		return "libchdb.so lacks a chdb_* function of the C API (chdb_connect, chdb_query, chdb_result_*)";
	return NULL;
}

static chdb_connection_p *chdb_do_connect(chdb_api *api, int argc, char **argv) { return api->connect(argc, argv); }
static void chdb_do_close(chdb_api *api, chdb_connection_p *c) { api->close_conn(c); }
static chdb_result_p chdb_do_query(chdb_api *api, chdb_connection_p *c, const char *q, const char *f) { return api->query(*c, q, f); }
static void chdb_do_destroy(chdb_api *api, chdb_result_p r) { api->destroy(r); }
static char *chdb_do_buffer(chdb_api *api, chdb_result_p r) { return api->buffer(r); }
static size_t chdb_do_length(chdb_api *api, chdb_result_p r) { return api->length(r); }
static const char *chdb_do_error(chdb_api *api, chdb_result_p r) { return api->error(r); }
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// lib is a loaded libchdb.so and one connection to it.
type lib struct {
	api  C.chdb_api
	conn *C.chdb_connection_p
}

// loadLib dlopens path and connects with args (clickhouse-local's command
// line: the first is the program name, then --path=DIR and settings).
func loadLib(path string, args []string) (*lib, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	l := &lib{}
	if msg := C.chdb_load(cpath, &l.api); msg != nil {
		return nil, fmt.Errorf("chdbtest: loading %s: %s", path, C.GoString(msg))
	}
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	// argv is Go memory holding C pointers: allowed by the cgo rules.
	conn := C.chdb_do_connect(&l.api, C.int(len(argv)), (**C.char)(unsafe.Pointer(&argv[0])))
	if conn == nil || *conn == nil {
		return nil, fmt.Errorf("chdbtest: chdb_connect %v failed (another connection open in this process, or a bad path)", args)
	}
	l.conn = conn
	return l, nil
}

// query runs one statement and returns its output in format (a ClickHouse
// output format name).
func (l *lib) query(sql, format string) ([]byte, error) {
	if l.conn == nil {
		return nil, errors.New("chdbtest: connection is closed")
	}
	csql, cfmt := C.CString(sql), C.CString(format)
	defer C.free(unsafe.Pointer(csql))
	defer C.free(unsafe.Pointer(cfmt))
	res := C.chdb_do_query(&l.api, l.conn, csql, cfmt)
	if res == nil {
		return nil, errors.New("chdbtest: chdb_query returned no result")
	}
	defer C.chdb_do_destroy(&l.api, res)
	if msg := C.chdb_do_error(&l.api, res); msg != nil {
		return nil, errors.New(C.GoString(msg))
	}
	n := C.chdb_do_length(&l.api, res)
	buf := C.chdb_do_buffer(&l.api, res)
	if n == 0 || buf == nil {
		return nil, nil
	}
	return C.GoBytes(unsafe.Pointer(buf), C.int(n)), nil
}

func (l *lib) close() {
	if l.conn != nil {
		C.chdb_do_close(&l.api, l.conn)
		l.conn = nil
	}
}
