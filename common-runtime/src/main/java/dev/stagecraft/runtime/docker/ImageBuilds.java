package dev.stagecraft.runtime.docker;

import java.util.function.Consumer;

import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;

/** An image build on the engine as Stagecraft runs every one: nothing pulled, no intermediate container kept. */
public final class ImageBuilds {

    private ImageBuilds() {
    }

    /** Starts {@code build}, handing each piece of its output and its error, if any, to {@code output}. */
    public static BuildImageResultCallback start(BuildImageCmd build, Consumer<String> output) {
        return build.withPull(false).withRemove(true).withForcerm(true).exec(new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    output.accept(item.getStream());
                }
                if (item.getErrorDetail() != null) {
                    output.accept(item.getErrorDetail().getMessage());
                }
                super.onNext(item);
            }
        });
    }
}
