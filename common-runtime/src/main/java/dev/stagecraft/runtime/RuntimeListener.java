package dev.stagecraft.runtime;

/** What a runtime reports while it works, and how it learns that it should stop. */
public interface RuntimeListener {

    void taskStarted(String task);

    void taskFinished(String task, boolean succeeded, String message);

    void log(String source, String line);

    /** Throws when the workflow was cancelled; runtimes call it between operations. */
    void checkCancelled();

    /** What a finished task reports. */
    @FunctionalInterface
    interface TaskFinished {
        void report(String task, boolean succeeded, String message);
    }

    /** A listener made of the four callbacks. */
    static RuntimeListener of(java.util.function.Consumer<String> taskStarted, TaskFinished taskFinished,
            java.util.function.BiConsumer<String, String> log, Runnable checkCancelled) {
        return new RuntimeListener() {
            @Override
            public void taskStarted(String task) {
                taskStarted.accept(task);
            }

            @Override
            public void taskFinished(String task, boolean succeeded, String message) {
                taskFinished.report(task, succeeded, message);
            }

            @Override
            public void log(String source, String line) {
                log.accept(source, line);
            }

            @Override
            public void checkCancelled() {
                checkCancelled.run();
            }
        };
    }

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
