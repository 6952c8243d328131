package dev.stagecraft.runtime.datasets;

/** One dataset's pool on one runtime: whether its snapshot exists, and its copies by state. */
public record PoolStatus(String dataset, int poolSize, boolean snapshot, int ready, int filling, int checkedOut) {
}
