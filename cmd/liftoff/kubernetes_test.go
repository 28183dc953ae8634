package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

var (
	kubernetesJob    = filepath.Join(moduleRoot, "examples", "kubernetes", "job.yaml")
	kubernetesScript = filepath.Join(moduleRoot, "examples", "kubernetes", "run.sh")
)

// readJob decodes the example Job strictly into the Kubernetes API's own
// types (k8s.io/api, a test-only dependency): a misspelt or misplaced key
// fails here, as the API server would refuse it.
func readJob(t *testing.T) *batchv1.Job {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(readFile(t, kubernetesJob), &doc); err != nil {
		t.Fatalf("%s: %v", kubernetesJob, err)
	}
	asJSON, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	dec := json.NewDecoder(bytes.NewReader(asJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("%s is not a batch/v1 Job: %v", kubernetesJob, err)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Fatalf("%s is a %s %s", kubernetesJob, job.APIVersion, job.Kind)
	}
	return &job
}

// container returns the pod's container (init or not) called name.
func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the pod has no container %q", name)
	return corev1.Container{}
}

// mountedAt is the volume container c mounts at dir.
func mountedAt(t *testing.T, spec corev1.PodSpec, c corev1.Container, dir string) corev1.Volume {
	t.Helper()
	for _, m := range c.VolumeMounts {
		if m.MountPath == dir {
			for _, v := range spec.Volumes {
				if v.Name == m.Name {
					return v
				}
			}
		}
	}
	t.Fatalf("container %s mounts nothing at %s", c.Name, dir)
	return corev1.Volume{}
}

// flagValue is the value of --flag in args.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	if i < 0 || i+1 == len(args) {
		t.Fatalf("%s lacks %s", strings.Join(args, " "), flag)
	}
	return args[i+1]
}

// jobSegments checks the Job says what its comments and the README say:
// Indexed, every segment at once, no retry, the segment's index taken from
// the completion index; it returns N.
func jobSegments(t *testing.T, job *batchv1.Job) int {
	t.Helper()
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode is %v, want Indexed: the pods' index is their segment", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		t.Fatalf("completions %v and parallelism %v differ: every segment must run at once", spec.Completions, spec.Parallelism)
	}
	if spec.BackoffLimit == nil || *spec.BackoffLimit != 0 {
		t.Errorf("backoffLimit %v: a segment retried late would not send its share with the others", spec.BackoffLimit)
	}
	seg := container(t, spec.Template.Spec, "segment")
	n := int(*spec.Completions)
	if got := flagValue(t, seg.Args, "--segment"); got != fmt.Sprintf("auto/%d", n) {
		t.Errorf("--segment %s, want auto/%d: the completion index of %d completions", got, n, n)
	}
	return n
}

// TestKubernetesJob checks the Indexed Job and its script: the segment
// reads the scenario from the ConfigMap run.sh creates and its start from
// the other, writes its results where the results container prints them
// from, and run.sh counts the segments where the Job does and merges.
func TestKubernetesJob(t *testing.T) {
	t.Parallel()
	job := readJob(t)
	jobSegments(t, job)
	pod := job.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %s, want Never", pod.RestartPolicy)
	}
	seg := container(t, pod, "segment")
	if !slices.ContainsFunc(pod.InitContainers, func(c corev1.Container) bool { return c.Name == "segment" }) {
		t.Error("the segment is not an init container: the results container would print before it wrote")
	}
	if err := commandLineProblem(newTestIO(nil).env, append([]string{"liftoff"}, seg.Args...)); err != nil {
		t.Errorf("the segment's command line: %v", err)
	}
	if flagValue(t, seg.Args, "--start-at") != "$(START_AT)" {
		t.Error("--start-at is not $(START_AT)")
	}
	startAt := slices.IndexFunc(seg.Env, func(e corev1.EnvVar) bool { return e.Name == "START_AT" })
	if startAt < 0 || seg.Env[startAt].ValueFrom == nil || seg.Env[startAt].ValueFrom.ConfigMapKeyRef == nil {
		t.Fatal("START_AT does not come from a ConfigMap")
	}
	runRef := seg.Env[startAt].ValueFrom.ConfigMapKeyRef
	scenarioFile := seg.Args[slices.Index(seg.Args, "run")+1]
	scenarioVolume := mountedAt(t, pod, seg, path.Dir(scenarioFile))
	if scenarioVolume.ConfigMap == nil {
		t.Fatalf("the scenario %s is not from a ConfigMap", scenarioFile)
	}
	resultsFile := flagValue(t, seg.Args, "--json")
	results := container(t, pod, "results")
	if v := mountedAt(t, pod, seg, path.Dir(resultsFile)); v.EmptyDir == nil || mountedAt(t, pod, results, path.Dir(resultsFile)).Name != v.Name {
		t.Errorf("the results file %s is not on a volume the results container shares", resultsFile)
	}
	if printed := strings.Join(results.Command, " "); !strings.Contains(printed, resultsFile) {
		t.Errorf("the results container prints %q, not %s", printed, resultsFile)
	}

	script := string(readFile(t, kubernetesScript))
	for _, want := range []string{
		"kubectl create configmap " + scenarioVolume.ConfigMap.Name + " --from-file=" + path.Base(scenarioFile) + "=",
		"kubectl create configmap " + runRef.Name + " --from-literal=" + runRef.Key + "=",
		"-c " + results.Name + " | base64 -d | gunzip",
		"batch.kubernetes.io/job-completion-index=",
		"liftoff merge $files --json all.json --html all.html --junit all.xml --markdown all.md",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("run.sh lacks %q", want)
		}
	}
	count := regexp.MustCompile(`sed -n '(.*)p' "\$here/job.yaml"`).FindStringSubmatch(script)
	if count == nil {
		t.Fatal("run.sh does not read the segment count from job.yaml")
	}
	out, err := exec.Command("sed", "-n", count[1]+"p", kubernetesJob).Output()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(*job.Spec.Completions) {
		t.Errorf("run.sh reads %q segments from job.yaml (%v), the Job has %d", out, err, *job.Spec.Completions)
	}
}

// TestKubernetesJobLocally runs the Job's exact command line as N local
// processes, as the cluster would: each with JOB_COMPLETION_INDEX set,
// $(START_AT) expanded, the volumes as directories, against a loopback
// target. Each exits 0 with its results file, and merge combines them.
func TestKubernetesJobLocally(t *testing.T) {
	t.Parallel()
	job := readJob(t)
	n := jobSegments(t, job)
	seg := container(t, job.Spec.Template.Spec, "segment")
	scenarioDir, target := t.TempDir(), server(t, func(w http.ResponseWriter, r *http.Request) {})
	scenarioFile := seg.Args[slices.Index(seg.Args, "run")+1]
	body := "name: Spring launch\ntarget: " + target + "\n" + strings.Replace(segmentBody, "duration: 2s", "duration: 1s", 1)
	if err := os.WriteFile(filepath.Join(scenarioDir, path.Base(scenarioFile)), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Far enough ahead for three processes to start under -race on a busy
	// machine: one that starts after the whole plan is refused.
	startAt := time.Now().Add(5 * time.Second).UTC().Format(time.RFC3339Nano)
	resultsFile := flagValue(t, seg.Args, "--json")

	var wg sync.WaitGroup
	files := make([]string, n)
	for i := range n {
		resultsDir := t.TempDir()
		files[i] = filepath.Join(resultsDir, path.Base(resultsFile))
		// The kubelet's work: expand $(VAR), mount the volumes.
		args := make([]string, len(seg.Args))
		for j, a := range seg.Args {
			a = strings.ReplaceAll(a, "$(START_AT)", startAt)
			a = strings.Replace(a, path.Dir(scenarioFile), scenarioDir, 1)
			args[j] = strings.Replace(a, path.Dir(resultsFile), resultsDir, 1)
		}
		cmd := liftoffProcess(args...)
		cmd.Env = append(cmd.Env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), "CI=true")
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("segment %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	out := filepath.Join(t.TempDir(), "all.json")
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), append([]string{"merge", "--json", out}, files...)...); code != exitGo && code != exitInconclusive {
		t.Fatalf("merge exited %d: %s%s", code, tio.out, tio.err)
	}
	merged := readDoc(t, out)
	if idx, count := merged.Results.Shares(); len(idx) != n || count != n || merged.Results.Partial() {
		t.Errorf("merged segments %v of %d, partial %v; want all %d", idx, count, merged.Results.Partial(), n)
	}
}
