package dev.stagecraft.runtime;

import dev.stagecraft.events.TaskListener;

/** What a runtime reports to while it works, and learns from that it should stop; and ways to make one. */
public interface RuntimeListener extends TaskListener {

    /** What a finished task reports. */
    @FunctionalInterface
    interface TaskFinished {
        void report(String task, boolean succeeded, String message);
    }

    /** {@code tasks} as a runtime's listener. */
    static RuntimeListener of(TaskListener tasks) {
        return tasks instanceof RuntimeListener listener ? listener
                : of(tasks::taskStarted, tasks::taskFinished, tasks::log, tasks::checkCancelled);
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
