/**
 * The stand-in kube-apiserver the tests start. It lives in src/lab/apiserver.ts because the lab
 * (`kubelet-doctor lab`, `npm start`) serves the demo fleet's cluster view with it too.
 */
export * from '../../src/lab/apiserver.js';
