/** The tool's version, as reported in every report and snapshot. */
export const TOOL_VERSION = '0.1.0';
