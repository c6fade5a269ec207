package upstream

// SetPageSize sets the page_size of List, so that a test pages through a
// few clients instead of hundreds.
func SetPageSize(u *Upstream, n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.conn.pageSize = n
}
