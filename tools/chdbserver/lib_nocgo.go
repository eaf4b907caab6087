//go:build !cgo

package main

import "errors"

var errNoCgo = errors.New("built without cgo (CGO_ENABLED=0); libchdb.so is loaded through cgo and dlopen, so build with CGO_ENABLED=1")

func load(path string) error { return errNoCgo }

func run(args []string) error { return errNoCgo }
