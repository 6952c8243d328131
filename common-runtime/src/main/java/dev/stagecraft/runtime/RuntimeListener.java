package dev.stagecraft.runtime;

/** What a runtime reports while it works, and how it learns that it should stop. */
public interface RuntimeListener {

    void taskStarted(String task);

    void taskFinished(String task, boolean succeeded, String message);

    void log(String source, String line);

    /** Throws when the workflow was cancelled; runtimes call it between operations. */
    void checkCancelled();

    /** A listener that reports nothing and is never cancelled. */
    RuntimeListener SILENT = new RuntimeListener() {
        @Override
        public void taskStarted(String task) {
        }

        @Override
        public void taskFinished(String task, boolean succeeded, String message) {
        }

        @Override
        public void log(String source, String line) {
        }

        @Override
        public void checkCancelled() {
        }
    };
}
