package io.livetune.executor.modules;

/**
 * The task's arguments are wrong in themselves (a type, a range, an unknown name, selectors
 * that do not go together), found before any process is looked at. The Ansible front reports
 * it as any other failure; the human CLI as a usage error (exit status 2, as picocli's own).
 */
public class InvalidArguments extends TaskFailure {
    private static final long serialVersionUID = 1L;

    public InvalidArguments(String message) {
        super(message);
    }
}
