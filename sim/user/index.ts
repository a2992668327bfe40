// People in the control loop: the user-driven scheduling button, the joystick, and simulated
// users who perceive response times and steer through the ports.
export { ButtonController, increase, press, type ButtonParams, type ButtonState, type ButtonRecord } from "./button.js";
export { JoystickUser, type JoystickParams, type JoystickRecord } from "./joystick.js";
export { ButtonUser, type PerceptionParams } from "./presser.js";
export { drawComfort, type Comfort } from "./comfort.js";
export { installUsers, modelResponses, timeMean } from "./install.js";
export { userPolicySchema, userSchema, type UserSpec, type UserPolicySpec } from "./schema.js";
