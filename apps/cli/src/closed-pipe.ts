/** The exit status of a Unix tool killed by SIGPIPE (128 + 13). */
export const closedPipeExitCode = 141;

/**
 * A reader that goes away (`aftercare export customers | head`) ends the command as SIGPIPE ends a
 * Unix tool: quietly, with 141, instead of an unhandled 'error' event and a stack trace. Any other
 * write error is still thrown.
 */
export function endQuietlyOnClosedPipe(
  stream: NodeJS.EventEmitter,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    exit(closedPipeExitCode);
  });
}
