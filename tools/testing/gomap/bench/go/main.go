// SPDX-License-Identifier: GPL-2.0

// Go side of `make bench`: Go 1.19's classic runtime map (hmap), the design
// gomap re-implements, on the workload of ../workload.h (mirrored here).
//
//	bench_go KIND N RUNS SEED
//
// Strings are made once before timing; the map stores string headers that
// point at them (Go does not copy keys), so its bytes per entry excludes the
// key bytes.  The GC runs as it normally would; runtime.GC() precedes each
// measurement.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"
)

const (
	wlMiss  = 0x6d697373
	wlOrder = 0x6f726472
)

type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func wlKeys(n int, klen int, seed uint64, miss bool) []byte {
	r := rng{seed}
	if miss {
		r.s = seed ^ wlMiss
	}
	buf := make([]byte, n*klen)
	for i := 0; i < n; i++ {
		k := buf[i*klen : (i+1)*klen]
		for j := 0; j < klen; j += 8 {
			binary.LittleEndian.PutUint64(k[j:], r.next())
		}
		if klen == 8 {
			x := binary.LittleEndian.Uint64(k)
			if miss {
				x |= 1 << 63
			} else {
				x &^= 1 << 63
			}
			binary.LittleEndian.PutUint64(k, x)
		} else if miss {
			k[0] |= 1
		} else {
			k[0] &^= 1
		}
	}
	return buf
}

func wlOrderPerm(n int, seed uint64) []uint32 {
	r := rng{seed ^ wlOrder}
	ord := make([]uint32, n)
	for i := range ord {
		ord[i] = uint32(i)
	}
	for i := n; i > 1; i-- {
		j := r.next() % uint64(i)
		ord[i-1], ord[j] = ord[j], ord[i-1]
	}
	return ord
}

func wlDigest(keys []byte, ord []uint32, n, klen int) uint64 {
	h := uint64(0xcbf29ce484222325)
	m := n
	if m > 64 {
		m = 64
	}
	for i := 0; i < m*klen; i++ {
		h = (h ^ uint64(keys[i])) * 0x100000001b3
	}
	for i := 0; i < m; i++ {
		h = (h ^ uint64(ord[i])) * 0x100000001b3
	}
	return h
}

func reps(n int) int {
	target := 2000000
	if t, err := strconv.Atoi(os.Getenv("BENCH_TARGET_OPS")); err == nil && t > 0 {
		target = t
	}
	r := target / n
	if r < 1 {
		r = 1
	}
	return r
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

var names = []string{"insert", "insert_hint", "lookup_hit", "lookup_miss", "iterate", "delete"}
var sink uint64

func heap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

type bench[K comparable] struct {
	keys, miss []K
	ord        []uint32
}

func (b *bench[K]) fill(m map[K]uint64) {
	for i, k := range b.keys {
		m[k] = uint64(i)
	}
}

func (b *bench[K]) measure(ph int, main map[K]uint64, reps int) float64 {
	n := len(b.keys)
	var t time.Duration
	var sum uint64
	runtime.GC()
	for r := 0; r < reps; r++ {
		switch ph {
		case 0, 1:
			var m map[K]uint64
			if ph == 1 {
				m = make(map[K]uint64, n)
			} else {
				m = make(map[K]uint64)
			}
			t0 := time.Now()
			b.fill(m)
			t += time.Since(t0)
		case 2:
			t0 := time.Now()
			for _, o := range b.ord {
				sum += main[b.keys[o]]
			}
			t += time.Since(t0)
		case 3:
			t0 := time.Now()
			for _, k := range b.miss {
				if _, ok := main[k]; !ok {
					sum++
				}
			}
			t += time.Since(t0)
		case 4:
			t0 := time.Now()
			for _, v := range main {
				sum += v
			}
			t += time.Since(t0)
		case 5:
			m := make(map[K]uint64)
			b.fill(m)
			t0 := time.Now()
			for _, o := range b.ord {
				delete(m, b.keys[o])
			}
			t += time.Since(t0)
			sum += uint64(len(m))
		}
	}
	sink = sum
	return float64(t.Nanoseconds()) / float64(reps*n)
}

func (b *bench[K]) run(kind string, runs int) {
	n := len(b.keys)
	h0 := heap()
	main := make(map[K]uint64)
	b.fill(main)
	h1 := heap()
	fmt.Printf("go %s %d bytes_per_entry %.1f\n", kind, n, float64(h1-h0)/float64(n))
	res := make([]float64, runs)
	rp := reps(n)
	only := os.Getenv("BENCH_PHASE")
	for ph := range names {
		if only != "" && only != names[ph] {
			continue
		}
		r := rp
		if ph == 4 && r < 2 {
			r = 2
		}
		for i := range res {
			res[i] = b.measure(ph, main, r)
		}
		fmt.Printf("go %s %d %s %.2f\n", kind, n, names[ph], median(res))
	}
	runtime.KeepAlive(main)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: bench_go u64|s16|s64 N RUNS SEED")
		os.Exit(2)
	}
	kind := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	runs, _ := strconv.Atoi(os.Args[3])
	seed, _ := strconv.ParseUint(os.Args[4], 0, 64)
	klen := 64
	switch kind {
	case "u64":
		klen = 8
	case "s16":
		klen = 16
	}
	kb := wlKeys(n, klen, seed, false)
	mb := wlKeys(n, klen, seed, true)
	ord := wlOrderPerm(n, seed)
	fmt.Printf("check %s %d %016x\n", kind, n, wlDigest(kb, ord, n, klen))
	if klen == 8 {
		b := &bench[uint64]{make([]uint64, n), make([]uint64, n), ord}
		for i := 0; i < n; i++ {
			b.keys[i] = binary.LittleEndian.Uint64(kb[i*8:])
			b.miss[i] = binary.LittleEndian.Uint64(mb[i*8:])
		}
		kb, mb = nil, nil
		b.run(kind, runs)
	} else {
		b := &bench[string]{make([]string, n), make([]string, n), ord}
		for i := 0; i < n; i++ {
			b.keys[i] = string(kb[i*klen : (i+1)*klen])
			b.miss[i] = string(mb[i*klen : (i+1)*klen])
		}
		kb, mb = nil, nil
		b.run(kind, runs)
	}
}
