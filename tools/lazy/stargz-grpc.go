// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// The stargz snapshotter as a containerd proxy plugin, for coldtrace's
// lazy pulling tests (tools/lazy.sh, docs/lazy.md).  Debian ships the
// snapshotter's Go packages but not its daemon; this one serves the
// `service` package's snapshotter on a gRPC unix socket, nothing more:
// no CRI keychain, no credentials (the tests' registry is plain http on
// loopback), and layer metadata kept in memory (the only metadata store
// Debian has).  SIGTERM or SIGINT stops the server and closes the
// snapshotter, which unmounts every layer it mounted.
//
//	containerd-stargz-grpc --root DIR --address SOCK [--config TOML]
//	                       [--no-background-fetch] [--log-level LEVEL]
//
// The TOML file is the snapshotter's own configuration (service.Config:
// no_background_fetch, blob, fuse, resolver...) plus `root` and
// `address`; a flag given on the command line wins over the file.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/BurntSushi/toml"
	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/contrib/snapshotservice"
	"github.com/containerd/containerd/log"
	stargzfs "github.com/containerd/stargz-snapshotter/fs"
	"github.com/containerd/stargz-snapshotter/metadata/memory"
	"github.com/containerd/stargz-snapshotter/service"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
)

type daemonConfig struct {
	service.Config
	Root    string `toml:"root"`
	Address string `toml:"address"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "containerd-stargz-grpc: "+format+"\n", args...)
	os.Exit(1)
}

// loadConfig reads the TOML file if one is named, then applies the flags
// the command line set (and only those: an unset flag keeps the file's).
func loadConfig() daemonConfig {
	var cfg daemonConfig
	path := flag.String("config", "", "TOML configuration file")
	root := flag.String("root", "", "state directory (snapshots, FUSE mounts)")
	addr := flag.String("address", "", "unix socket to serve gRPC on")
	nobg := flag.Bool("no-background-fetch", false, "fetch only what reads ask for")
	level := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()
	if *path != "" {
		if _, err := toml.DecodeFile(*path, &cfg); err != nil {
			fail("%s: %v", *path, err)
		}
	}
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "root":
			cfg.Root = *root
		case "address":
			cfg.Address = *addr
		case "no-background-fetch":
			cfg.NoBackgroundFetch = *nobg
		}
	})
	lv, err := logrus.ParseLevel(*level)
	if err != nil {
		fail("bad --log-level %q", *level)
	}
	logrus.SetLevel(lv)
	if cfg.Root == "" || cfg.Address == "" {
		fail("a root and an address are needed (--root, --address or the TOML file)")
	}
	return cfg
}

// listen removes a socket a killed daemon left, never any other file.
func listen(addr string) net.Listener {
	if fi, err := os.Lstat(addr); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(addr)
	}
	if err := os.MkdirAll(filepath.Dir(addr), 0o700); err != nil {
		fail("%v", err)
	}
	l, err := net.Listen("unix", addr)
	if err != nil {
		fail("cannot listen on %s: %v", addr, err)
	}
	return l
}

func main() {
	cfg := loadConfig()
	ctx := log.WithLogger(context.Background(), logrus.NewEntry(logrus.StandardLogger()))
	if err := os.MkdirAll(cfg.Root, 0o700); err != nil {
		fail("%v", err)
	}
	sn, err := service.NewStargzSnapshotterService(ctx, cfg.Root, &cfg.Config,
		service.WithFilesystemOptions(stargzfs.WithMetadataStore(memory.NewReader)))
	if err != nil {
		fail("cannot make the snapshotter: %v", err)
	}
	rpc := grpc.NewServer()
	snapshotsapi.RegisterSnapshotsServer(rpc, snapshotservice.FromSnapshotter(sn))
	l := listen(cfg.Address)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- rpc.Serve(l) }()
	log.G(ctx).Infof("serving stargz on %s, root %s, no_background_fetch=%v",
		cfg.Address, cfg.Root, cfg.NoBackgroundFetch)
	select {
	case s := <-sigs:
		log.G(ctx).Infof("%v: stopping", s)
	case err := <-served:
		log.G(ctx).WithError(err).Error("gRPC server ended")
	}
	rpc.Stop()
	if err := sn.Close(); err != nil {
		log.G(ctx).WithError(err).Warn("closing the snapshotter")
	}
	os.Remove(cfg.Address)
}
