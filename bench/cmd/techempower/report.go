package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// reference is the contestant every other is compared with.
const reference = "kiln"

// report holds every measurement: results[test][contestant], one per round.
type report struct {
	tests, entries []string
	rounds         int
	results        map[string]map[string][]wrkResult
	notes          []string
}

func (r *report) median(test, entry string) (float64, bool) {
	return r.medianOf(test, entry, func(x wrkResult) float64 { return x.RequestsPerSec })
}

// cpuMedian is the median of the server's CPU time per request, in µs,
// over the rounds that measured it.
func (r *report) cpuMedian(test, entry string) (float64, bool) {
	return r.medianOf(test, entry, wrkResult.CPUPerRequest)
}

// medianOf returns the median of value over test and entry's rounds,
// leaving out zeros (not measured).
func (r *report) medianOf(test, entry string, value func(wrkResult) float64) (float64, bool) {
	var xs []float64
	for _, x := range r.results[test][entry] {
		if v := value(x); v > 0 {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	return quantile(xs, 0.5), true
}

// errors sums the failed responses of test and entry over all rounds.
func (r *report) errors(test, entry string) (non2xx, socket int64) {
	for _, x := range r.results[test][entry] {
		non2xx += x.Non2xx
		socket += x.SocketErrors
	}
	return
}

func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "#### Requests per second (median of %d rounds)\n\n", r.rounds)
	fmt.Fprintf(w, "| test | %s |\n|---%s|\n", strings.Join(r.entries, " | "), strings.Repeat("|--:", len(r.entries)))
	var footnotes []string
	for _, t := range r.tests {
		cells := make([]string, len(r.entries))
		for i, e := range r.entries {
			m, ok := r.median(t, e)
			if !ok {
				cells[i] = "–"
				continue
			}
			cells[i] = thousands(m)
			if non2xx, socket := r.errors(t, e); non2xx > 0 || socket > 0 {
				cells[i] += " (!)"
				footnotes = append(footnotes, fmt.Sprintf("%s on %s: %d non-2xx responses, %d socket errors over all rounds.", e, t, non2xx, socket))
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", t, strings.Join(cells, " | "))
	}
	for _, f := range footnotes {
		fmt.Fprintf(w, "\n(!) %s", f)
	}
	if len(footnotes) > 0 {
		fmt.Fprintln(w)
	}

	r.writeRatios(w, fmt.Sprintf("%s ÷ peer (medians; above 1, %s serves more requests per second)", reference, reference),
		r.median, func(ref, peer float64) float64 { return ref / peer })

	r.writePairedRatios(w)

	r.writeCPU(w)

	fmt.Fprintf(w, "\n#### Every round (requests per second)\n\n")
	fmt.Fprintf(w, "| test | contestant | %s |\n|---|---%s|\n", roundHeads(r.rounds), strings.Repeat("|--:", r.rounds))
	for _, t := range r.tests {
		for _, e := range r.entries {
			cells := make([]string, r.rounds)
			for i := range cells {
				cells[i] = "–"
				if rs := r.results[t][e]; i < len(rs) {
					cells[i] = thousands(rs[i].RequestsPerSec)
				}
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", t, e, strings.Join(cells, " | "))
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
}

func roundHeads(n int) string {
	h := make([]string, n)
	for i := range h {
		h[i] = "round " + strconv.Itoa(i+1)
	}
	return strings.Join(h, " | ")
}

// thousands formats x rounded to an integer with thousands separators.
func thousands(x float64) string {
	s := strconv.FormatInt(int64(x+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// writeCPU writes the server's CPU time per request: the framework's cost,
// which varies much less between rounds than requests per second on a
// shared machine, since it does not count the time the server waited for
// a core, for wrk or for PostgreSQL.
func (r *report) writeCPU(w io.Writer) {
	measured := false
	for _, t := range r.tests {
		for _, e := range r.entries {
			if _, ok := r.cpuMedian(t, e); ok {
				measured = true
			}
		}
	}
	if !measured {
		return
	}
	fmt.Fprintf(w, "\n#### Server CPU time per request (µs, median of the rounds; less is better)\n\n")
	fmt.Fprintf(w, "| test | %s |\n|---%s|\n", strings.Join(r.entries, " | "), strings.Repeat("|--:", len(r.entries)))
	for _, t := range r.tests {
		cells := make([]string, len(r.entries))
		for i, e := range r.entries {
			cells[i] = "–"
			if m, ok := r.cpuMedian(t, e); ok {
				cells[i] = strconv.FormatFloat(m, 'f', 1, 64)
			}
		}
		fmt.Fprintf(w, "| %s | %s |\n", t, strings.Join(cells, " | "))
	}
	r.writeRatios(w, fmt.Sprintf("peer CPU ÷ %s CPU per request (above 1, %s spends less CPU per request)", reference, reference),
		r.cpuMedian, func(ref, peer float64) float64 { return peer / ref })
}

// writeRatios writes a table of ratio(reference's median, peer's median)
// for every test and peer, with median one of report's medians; a cell is
// "–" when either median is missing or zero.
func (r *report) writeRatios(w io.Writer, title string, median func(test, entry string) (float64, bool), ratio func(ref, peer float64) float64) {
	r.writePeerTable(w, title, func(t, p string) string {
		ref, ok := median(t, reference)
		m, pok := median(t, p)
		if !ok || !pok || ref == 0 || m == 0 {
			return "–"
		}
		return strconv.FormatFloat(ratio(ref, m), 'f', 2, 64)
	})
}

// writePeerTable writes a table with a row per test and a column per
// peer of the reference contestant, each cell from cell(test, peer). It
// writes nothing when the reference contestant did not run.
func (r *report) writePeerTable(w io.Writer, title string, cell func(test, peer string) string) {
	if !slices.Contains(r.entries, reference) {
		return
	}
	var peers []string
	for _, e := range r.entries {
		if e != reference {
			peers = append(peers, e)
		}
	}
	fmt.Fprintf(w, "\n#### %s\n\n", title)
	fmt.Fprintf(w, "| test | %s |\n|---%s|\n", strings.Join(peers, " | "), strings.Repeat("|--:", len(peers)))
	for _, t := range r.tests {
		cells := make([]string, len(peers))
		for i, p := range peers {
			cells[i] = cell(t, p)
		}
		fmt.Fprintf(w, "| %s | %s |\n", t, strings.Join(cells, " | "))
	}
}

// pairedRatios returns reference's requests per second divided by peer's,
// round by round, sorted, over the rounds that measured both. Within a
// round the two ran minutes apart at most (seconds apart with -held), so
// a slow drift in the machine's load, which moves the medians, mostly
// cancels out of each ratio.
func (r *report) pairedRatios(test, peer string) []float64 {
	refs, peers := r.results[test][reference], r.results[test][peer]
	var xs []float64
	for i := range min(len(refs), len(peers)) {
		if refs[i].RequestsPerSec > 0 && peers[i].RequestsPerSec > 0 {
			xs = append(xs, refs[i].RequestsPerSec/peers[i].RequestsPerSec)
		}
	}
	slices.Sort(xs)
	return xs
}

// writePairedRatios writes, for every test and peer, the median of the
// per-round ratios with their lower and upper quartiles: how sure the
// comparison is, as well as where it lands.
func (r *report) writePairedRatios(w io.Writer) {
	if r.rounds < 2 {
		return
	}
	title := reference + " ÷ peer, round by round: median of the per-round ratios (lower–upper quartile)"
	r.writePeerTable(w, title, func(t, p string) string {
		xs := r.pairedRatios(t, p)
		if len(xs) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f (%.2f–%.2f)", quantile(xs, 0.5), quantile(xs, 0.25), quantile(xs, 0.75))
	})
}

// quantile returns the q-quantile of the sorted, non-empty xs, by linear
// interpolation between the closest ranks.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}
