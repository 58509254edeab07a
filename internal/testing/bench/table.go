package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report as a short table per run, the call breakdown of the no-change operations,
// the budget verdicts and, for N=1, the create timeline.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "ICA provider benchmark %s, %s, %d CPUs, %.0f GB, load %.1f→%.1f, %s, Terraform %s, commit %s\n",
		r.Date.Format("2006-01-02 15:04 MST"), r.Machine.OS, r.Machine.CPUs, r.Machine.MemoryGB,
		r.Machine.LoadAverage[0], r.Machine.LoadAverage[1], r.Go, r.Terraform, r.Commit)
	for i := range r.Runs {
		run := &r.Runs[i]
		chain := ""
		if run.Chain {
			chain = ", each with a storage configuration and a project (the whole chain)"
		}
		fmt.Fprintf(w, "\nN=%d connections on %d buckets%s\n", run.Connections, run.Buckets, chain)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "op\texit\twall s\tbusy s\tcalls\t/conn\ts3\tiam\tsts\tica\twrites\terrors\tcalls by process\tpeak MB\tstart ms\tbudget\t")
		for _, o := range run.Ops {
			verdict := "-"
			if o.Budget != nil {
				verdict = "ok"
				if !o.Budget.OK {
					verdict = fmt.Sprintf("OVER (max %d)", o.Budget.MaxCalls)
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%d\t%.2f\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.1f\t%.0f\t%s\t\n",
				o.Name, o.ExitCode, o.WallMS/1000, o.BusyMS/1000, o.Total, o.PerConnection(run.Connections),
				o.ByService["s3"], o.ByService["iam"], o.ByService["sts"], o.ByService["ica"],
				o.Writes, o.Errors, byProcess(o.Processes), o.PeakRSSMB, o.MaxStartupMS, verdict)
		}
		_ = tw.Flush()
		for _, o := range run.Ops {
			if o.Budget == nil {
				continue
			}
			fmt.Fprintf(w, "  %s calls: %s\n", o.Name, breakdown(o.Calls, run.Connections))
			for _, v := range o.Budget.Violations {
				fmt.Fprintf(w, "  %s over budget: %s\n", o.Name, v)
			}
		}
		if apply := run.Op(OpApply); run.Connections == 1 && apply != nil && len(apply.Timeline) > 0 {
			writeTimeline(w, apply.Timeline)
		}
	}
}

// byProcess shows the calls of each provider process in start order, e.g. "0+0+167+417".
func byProcess(procs []Process) string {
	parts := make([]string, len(procs))
	for i := range procs {
		parts[i] = fmt.Sprint(procs[i].CallTotal())
	}
	return strings.Join(parts, "+")
}

// breakdown lists call counts, highest first, with the per-connection rate.
func breakdown(calls map[string]int, connections int) string {
	var parts []string
	for _, k := range sortedKeys(calls) {
		parts = append(parts, fmt.Sprintf("%s %d (%.2f/conn)", k, calls[k], float64(calls[k])/float64(max(connections, 1))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// writeTimeline prints the create's calls with a bar per call, and how much of the calls' time overlapped.
func writeTimeline(w io.Writer, steps []Step) {
	var end, busy float64
	for _, s := range steps {
		end = max(end, s.StartMS+s.DurationMS)
		busy += s.DurationMS
	}
	fmt.Fprintf(w, "  create timeline (N=1): %d calls in %.0f ms; the calls' own time adds up to %.0f ms\n", len(steps), end, busy)
	const width = 40
	scale := width / math.Max(end, 1)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, s := range steps {
		from := int(s.StartMS * scale)
		n := max(1, int(math.Round(s.DurationMS*scale)))
		bar := strings.Repeat(" ", from) + strings.Repeat("#", min(n, width-from+1))
		fmt.Fprintf(tw, "  %7.1f ms\t%6.1f ms\t%s\t|%-*s|\t%d\n", s.StartMS, s.DurationMS, s.Call, width+1, bar, s.Status)
	}
	_ = tw.Flush()
}

// Compare prints the differences between two reports, matched by run size and operation name.
func Compare(w io.Writer, before, after *Report) {
	fmt.Fprintf(w, "before: %s commit %s\nafter:  %s commit %s\n",
		before.Date.Format("2006-01-02 15:04"), before.Commit, after.Date.Format("2006-01-02 15:04"), after.Commit)
	for _, rb := range before.Runs {
		found := false
		for _, ra := range after.Runs {
			found = found || (ra.Connections == rb.Connections && ra.Buckets == rb.Buckets)
		}
		if !found {
			fmt.Fprintf(w, "\nN=%d on %d buckets: not in the second report\n", rb.Connections, rb.Buckets)
		}
	}
	for i := range after.Runs {
		na := &after.Runs[i]
		var nb *Run
		for j := range before.Runs {
			if before.Runs[j].Connections == na.Connections && before.Runs[j].Buckets == na.Buckets {
				nb = &before.Runs[j]
			}
		}
		if nb == nil {
			fmt.Fprintf(w, "\nN=%d on %d buckets: not in the first report\n", na.Connections, na.Buckets)
			continue
		}
		fmt.Fprintf(w, "\nN=%d connections on %d buckets\n", na.Connections, na.Buckets)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "op\twall s\t\tcalls/conn\t\twrites\t\tpeak MB\t\tstart ms\t\t")
		for _, oa := range na.Ops {
			ob := nb.Op(oa.Name)
			if ob == nil {
				fmt.Fprintf(tw, "%s\tnew\t\t\t\t\t\t\t\t\t\t\n", oa.Name)
				continue
			}
			fmt.Fprintf(tw, "%s\t%.2f → %.2f\t%s\t%.2f → %.2f\t%s\t%d → %d\t%s\t%.1f → %.1f\t%s\t%.0f → %.0f\t%s\t\n", oa.Name,
				ob.WallMS/1000, oa.WallMS/1000, delta(ob.WallMS, oa.WallMS),
				ob.PerConnection(nb.Connections), oa.PerConnection(na.Connections), delta(float64(ob.Total), float64(oa.Total)),
				ob.Writes, oa.Writes, delta(float64(ob.Writes), float64(oa.Writes)),
				ob.PeakRSSMB, oa.PeakRSSMB, delta(ob.PeakRSSMB, oa.PeakRSSMB),
				ob.MaxStartupMS, oa.MaxStartupMS, delta(ob.MaxStartupMS, oa.MaxStartupMS))
		}
		_ = tw.Flush()
		for _, oa := range na.Ops {
			if ob := nb.Op(oa.Name); ob != nil {
				if diff := callDiff(ob.Calls, oa.Calls); diff != "" {
					fmt.Fprintf(w, "  %s: %s\n", oa.Name, diff)
				}
			}
		}
	}
}

func delta(before, after float64) string {
	if before == 0 {
		if after == 0 {
			return "="
		}
		return "new"
	}
	d := (after - before) / before * 100
	if math.Abs(d) < 0.5 {
		return "="
	}
	return fmt.Sprintf("%+.0f%%", d)
}

// callDiff lists the call keys whose counts changed.
func callDiff(before, after map[string]int) string {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		if before[k] != after[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s %d → %d", k, before[k], after[k]))
	}
	return strings.Join(parts, ", ")
}
