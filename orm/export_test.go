package orm

// SetPreloadChunk sets how many keys one preload IN list holds, for tests,
// and returns a function that restores it.
func SetPreloadChunk(n int) (restore func()) {
	old := preloadChunk
	preloadChunk = n
	return func() { preloadChunk = old }
}
