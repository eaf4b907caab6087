//go:build !cgo

package chdbtest

import "errors"

type lib struct{}

func loadLib(path string, args []string) (*lib, error) {
	return nil, errors.New("chdbtest: built without cgo (CGO_ENABLED=0); chDB is loaded through cgo and dlopen")
}

func (l *lib) query(sql, format string) ([]byte, error) {
	return nil, errors.New("chdbtest: built without cgo")
}

func (l *lib) close() {}
