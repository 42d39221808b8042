// Command benchserver serves a directory with the GOPROXY layout (e.g.
// $GOMODCACHE/cache/download) on a loopback port, for modsnap's benchmarks.
//
//	benchserver -root DIR [-addr 127.0.0.1:0] [-portfile FILE]
//
// Request paths are percent-decoded by net/http ("%21" -> "!"); "+" is kept
// as is. Only regular files under root are served; anything else is a 404,
// as a module proxy answers for a missing version. GET /_bench/stats returns
// the request and byte counters as JSON (module paths need a dot in their
// first element, so "/_bench/" never names a module), and GET /_bench/reset
// zeroes them.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

type stats struct {
	mu       sync.Mutex
	Requests map[string]int64 `json:"requests"` // by extension (".zip", ".mod", ".info", "list", "404")
	Bytes    map[string]int64 `json:"bytes"`
}

func (s *stats) add(kind string, n int64) {
	s.mu.Lock()
	s.Requests[kind]++
	s.Bytes[kind] += n
	s.mu.Unlock()
}

func (s *stats) reset() {
	s.mu.Lock()
	s.Requests = map[string]int64{}
	s.Bytes = map[string]int64{}
	s.mu.Unlock()
}

func main() {
	root := flag.String("root", "", "directory with the GOPROXY layout")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	portfile := flag.String("portfile", "", "write the chosen port here once listening")
	flag.Parse()
	if *root == "" {
		log.Fatal("benchserver: -root is required")
	}
	st := &stats{}
	st.reset()

	mux := http.NewServeMux()
	mux.HandleFunc("/_bench/stats", func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		defer st.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("/_bench/reset", func(w http.ResponseWriter, r *http.Request) {
		st.reset()
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path) // already percent-decoded
		if strings.Contains(p, "\x00") {
			http.NotFound(w, r)
			return
		}
		full := filepath.Join(*root, filepath.FromSlash(p))
		f, err := os.Open(full)
		if err != nil {
			st.add("404", 0)
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			st.add("404", 0)
			http.NotFound(w, r)
			return
		}
		kind := path.Ext(p)
		if kind == "" {
			kind = path.Base(p)
		}
		st.add(kind, fi.Size())
		switch kind {
		case ".info":
			w.Header().Set("Content-Type", "application/json")
		case ".zip":
			w.Header().Set("Content-Type", "application/zip")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portfile != "" {
		if err := os.WriteFile(*portfile, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("benchserver: serving %s on 127.0.0.1:%d", *root, port)
	log.Fatal(http.Serve(ln, mux))
}
